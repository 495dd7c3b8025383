const cloud = require('wx-serverless');
const { errorText } = require('./errors');

const PAGE_SIZE = 10;

/**
 * The methods of a list that pages through a list function (`listProducts`, `listOrders`):
 * `loadMore()` and `fetchPage(cursor)`, keeping `data[list]`, `nextCursor`, `loading`, `loaded`
 * and `error`. `query()` (called on the component) adds the function's filters; `map` turns an
 * item into what a row shows. A newer request (another filter, a refresh) wins over one still
 * under way.
 */
function pagedMethods({ name, list, query, map }) {
  return {
    loadMore() {
      const { nextCursor, loading } = this.data;
      if (loading || !nextCursor) return Promise.resolve();
      return this.fetchPage(nextCursor);
    },

    async fetchPage(cursor) {
      this.requestSeq = (this.requestSeq || 0) + 1;
      const seq = this.requestSeq;
      const data = Object.assign({ limit: PAGE_SIZE }, query ? query.call(this) : {});
      if (cursor) data.cursor = cursor;
      this.setData({ loading: true, error: '' });
      try {
        const { result } = await cloud.callFunction({ name, data });
        if (seq !== this.requestSeq) return;
        const page = map ? result.items.map(map) : result.items;
        this.setData({
          [list]: cursor ? this.data[list].concat(page) : page,
          nextCursor: result.nextCursor,
          loading: false,
          loaded: true,
        });
      } catch (err) {
        if (seq !== this.requestSeq) return;
        this.setData({ loading: false, error: errorText(err) });
      }
    },
  };
}

module.exports = { PAGE_SIZE, pagedMethods };
