// Starts GraphiQL on the page that package graphiql serves. The page's
// settings come from the JSON in #graphiql-config, so that this file stays
// static (and cacheable) and the page runs no inline script.
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('graphiql-config').textContent);
  var endpoint = new URL(config.endpoint, window.location.href);

  // socketURL is the endpoint's address for WebSocket: ws: for http:,
  // wss: for https:.
  function socketURL(u) {
    var ws = new URL(u.href);
    ws.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    return ws.href;
  }

  // ?query=, ?variables= and ?operationName= open the IDE on a given
  // operation, and editing them keeps the address shareable. Headers are never
  // read from or written to the address: they carry bearer tokens.
  var params = new URLSearchParams(window.location.search);
  function fromAddress(name) {
    var v = params.get(name);
    return v === null ? undefined : v;
  }
  function toAddress(name) {
    return function (value) {
      if (value) {
        params.set(name, value);
      } else {
        params.delete(name);
      }
      var search = params.toString();
      window.history.replaceState(null, '', window.location.pathname + (search ? '?' + search : '') + window.location.hash);
    };
  }

  // GraphiQL saves its history (and favorites) with each run's headers,
  // whatever shouldPersistHeaders says. This storage, localStorage otherwise,
  // drops the headers from what the history saves, so that bearer tokens stay
  // in the headers editor and out of the browser's storage.
  var historyKeys = { 'graphiql:queries': true, 'graphiql:favorites': true };
  function withoutHeaders(value) {
    try {
      var saved = JSON.parse(value);
      Object.keys(saved).forEach(function (list) {
        if (Array.isArray(saved[list])) {
          saved[list].forEach(function (item) {
            if (item && typeof item === 'object') {
              delete item.headers;
            }
          });
        }
      });
      return JSON.stringify(saved);
    } catch (e) {
      return value;
    }
  }
  var storage = {
    getItem: function (key) {
      return window.localStorage.getItem(key);
    },
    setItem: function (key, value) {
      window.localStorage.setItem(key, historyKeys[key] ? withoutHeaders(value) : value);
    },
    removeItem: function (key) {
      window.localStorage.removeItem(key);
    },
    clear: function () {
      Object.keys(window.localStorage).forEach(function (key) {
        if (key.indexOf('graphiql:') === 0) {
          window.localStorage.removeItem(key);
        }
      });
    },
    get length() {
      return Object.keys(window.localStorage).filter(function (key) {
        return key.indexOf('graphiql:') === 0;
      }).length;
    },
  };

  var props = {
    storage: storage,
    // createFetcher POSTs {query, variables, operationName} as JSON, with the
    // headers of the headers editor added to each request. Subscriptions go
    // over WebSocket (graphql-transport-ws) to the same endpoint, and the
    // headers editor's entries become the connection_init payload: that is
    // where the server reads {"Authorization": "Bearer …"}.
    fetcher: GraphiQL.createFetcher({ url: endpoint.href, subscriptionUrl: socketURL(endpoint) }),
    defaultQuery: config.defaultQuery,
    query: fromAddress('query'),
    variables: fromAddress('variables'),
    operationName: fromAddress('operationName'),
    onEditQuery: toAddress('query'),
    onEditVariables: toAddress('variables'),
    onEditOperationName: toAddress('operationName'),
    isHeadersEditorEnabled: true,
    // Tokens pasted into the headers editor stay out of localStorage.
    shouldPersistHeaders: false,
  };
  if (config.defaultHeaders) {
    props.defaultHeaders = config.defaultHeaders;
  }
  ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, props));
})();
