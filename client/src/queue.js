// A FIFO queue that keeps at most `limit` tasks running: WeChat fails wx.request and wx.uploadFile
// calls beyond 10 in flight, so every request and upload of the SDK waits here for its turn.
'use strict';

/** A queue running at most `limit` tasks (functions returning a promise) at a time, in order. */
function createQueue(limit) {
  let running = 0;
  const waiting = [];

  function startNext() {
    while (running < limit && waiting.length > 0) {
      running += 1;
      waiting.shift()();
    }
  }

  /** Runs `task` when a slot is free; settles as its promise does. */
  function run(task) {
    return new Promise((resolve, reject) => {
      waiting.push(() => {
        const release = () => {
          running -= 1;
          startNext();
        };
        let result;
        try {
          result = Promise.resolve(task());
        } catch (err) {
          result = Promise.reject(err);
        }
        result.then(
          (value) => {
            release();
            resolve(value);
          },
          (err) => {
            release();
            reject(err);
          },
        );
      });
      startNext();
    });
  }

  return {
    run,
    /** How many tasks are running now. */
    get running() {
      return running;
    },
    /** How many tasks wait for a slot. */
    get waiting() {
      return waiting.length;
    },
  };
}

module.exports = { createQueue };
