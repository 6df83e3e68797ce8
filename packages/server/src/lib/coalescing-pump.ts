/**
 * A pass that many events ask for (a job ended, a signal came, a timer fired): a call while a pass runs starts no
 * second one but makes the running pass go round once more, so a burst of wake-ups costs one more pass and none is
 * lost. Used by the job runner's worker pool and the webhook dispatcher.
 */
export class CoalescingPump {
  private running = false;
  private again = false;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly options: {
      /** Passes run only while this says so (the owner has not been stopped). */
      active: () => boolean;
      /** A pass that throws ends the pumping; the error goes here, and the next call pumps again. */
      onError: (error: unknown) => void;
    }
  ) {}

  async pump(): Promise<void> {
    if (!this.options.active()) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        await this.pass();
      } while (this.again && this.options.active());
    } catch (error) {
      this.options.onError(error);
    } finally {
      this.running = false;
    }
  }
}
