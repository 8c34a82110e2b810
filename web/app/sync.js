// When to sync: at start, when the network comes back, when the app becomes visible,
// shortly after each recorded answer, periodically while online, and on "Sync now".
// A failed sync is retried with backoff (5 s doubling to 60 s); it never blocks the learner.
export class SyncScheduler {
  constructor(run, { periodMs = 60000 } = {}) {
    this.run = run;
    this.periodMs = periodMs;
    this.timer = null;
    this.backoff = 5000;
    this.running = null;
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

  soon() { this.schedule(1500); }

  async now() {
    if (this.running) return this.running;
    clearTimeout(this.timer);
    this.running = (async () => {
      let ok = false;
      try { ok = await this.run(); } finally { this.running = null; }
      if (ok) {
        this.backoff = 5000;
        this.schedule(this.periodMs);
      } else {
        this.schedule(this.backoff);
        this.backoff = Math.min(this.backoff * 2, 60000);
      }
      return ok;
    })();
    return this.running;
  }
}
