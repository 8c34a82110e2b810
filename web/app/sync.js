// When to sync: at start, when the network comes back, when the app becomes visible,
// shortly after each recorded answer, periodically while online, and on "Sync now".
// A failed sync (false or thrown) is retried with backoff (5 s doubling to 60 s); it never
// blocks the learner.
// An answer recorded while a sync runs asks for another soon after it (soon() during a
// run), since that sync may have read the outbox before the answer.
export class SyncScheduler {
  constructor(run, { periodMs = 60000, soonMs = 1500 } = {}) {
    this.run = run;
    this.periodMs = periodMs;
    this.soonMs = soonMs;
    this.timer = null;
    this.backoff = 5000;
    this.running = null;
    this.again = false;
  }

  start() {
    window.addEventListener('online', () => this.now());
    document.addEventListener('visibilitychange', () => { if (!document.hidden) this.now(); });
    this.now();
  }

  schedule(ms) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.now(), ms);
  }

  soon() {
    if (this.running) this.again = true;
    else this.schedule(this.soonMs);
  }

  async now() {
    if (this.running) return this.running;
    clearTimeout(this.timer);
    this.running = (async () => {
      let ok = false;
      try { ok = await this.run(); } catch (e) { ok = false; } finally { this.running = null; }
      const again = this.again;
      this.again = false;
      if (ok) {
        this.backoff = 5000;
        this.schedule(again ? this.soonMs : this.periodMs);
      } else {
        this.schedule(this.backoff);
        this.backoff = Math.min(this.backoff * 2, 60000);
      }
      return ok;
    })();
    return this.running;
  }
}
