// The page side of the engine Worker protocol (player/wasm/engine-worker.js):
//   request {id, type, args} -> reply {id, result} | {id, error: {code, message, where}}
//   events  {event, state}   -> delivered to listeners registered with on(event, fn)
export class EngineClient {
  constructor(url = '/engine/engine-worker.js') {
    this.worker = new Worker(url);
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = new Map();
    this.worker.onmessage = (e) => this.#onMessage(e.data);
    this.worker.onerror = (e) => {
      const err = Object.assign(new Error(e.message || 'the engine failed to start'), { code: 'worker_error' });
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  #onMessage(msg) {
    if (msg && msg.event) {
      for (const fn of this.listeners.get(msg.event) || []) fn(msg.state);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.error) p.reject(Object.assign(new Error(msg.error.message), msg.error));
    else p.resolve(msg.result);
  }

  send(type, args = {}, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, type, args }, transfer);
    });
  }

  call(method, args = {}) { return this.send('call', { method, args }); }

  /** Listens to an event; returns a function that stops listening. */
  on(event, fn) {
    if (!this.listeners.has(event)) this.listeners.set(event, []);
    this.listeners.get(event).push(fn);
    return () => this.listeners.set(event, this.listeners.get(event).filter((f) => f !== fn));
  }
}
