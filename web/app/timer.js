// Active time on one screen: counts only while the page is visible and the learner is
// not idle. Time after IDLE_MS without input is not counted until the next input
// (reading a card is activity; a phone left on a table for an hour is not).
export const IDLE_MS = 120000;

export class ActiveTimer {
  constructor(now = () => performance.now()) {
    this.now = now;
    this.total = 0;
    this.since = now();          // start of the current active stretch, or null
    this.lastInput = this.since;
    this.onVisibility = () => (document.hidden ? this.pause() : this.resume());
    this.onInput = () => this.input();
    document.addEventListener('visibilitychange', this.onVisibility);
    for (const e of ['pointerdown', 'keydown', 'scroll', 'touchstart']) window.addEventListener(e, this.onInput, { passive: true, capture: true });
  }

  // Closes the current stretch, counting at most IDLE_MS after the last input.
  pause() {
    if (this.since === null) return;
    const end = Math.min(this.now(), this.lastInput + IDLE_MS);
    this.total += Math.max(0, end - this.since);
    this.since = null;
  }

  resume() {
    if (this.since !== null || document.hidden) return;
    this.since = this.now();
    this.lastInput = this.since;
  }

  input() {
    const t = this.now();
    if (this.since !== null && t - this.lastInput > IDLE_MS) this.pause();  // back from idle
    if (this.since === null) { if (!document.hidden) { this.since = t; } }
    this.lastInput = t;
  }

  /** Milliseconds of active time so far. */
  ms() {
    if (this.since === null) return Math.round(this.total);
    const end = Math.min(this.now(), this.lastInput + IDLE_MS);
    return Math.round(this.total + Math.max(0, end - this.since));
  }

  stop() {
    document.removeEventListener('visibilitychange', this.onVisibility);
    for (const e of ['pointerdown', 'keydown', 'scroll', 'touchstart']) window.removeEventListener(e, this.onInput, { capture: true });
  }
}
