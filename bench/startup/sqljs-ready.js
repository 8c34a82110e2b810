importScripts('/npm/sql.js/dist/sql-wasm.js');
initSqlJs({ locateFile: (f) => '/npm/sql.js/dist/' + f }).then((SQL) => {
  const db = new SQL.Database();
  db.exec('CREATE TABLE t(x)');
  postMessage({ ready: true });
}, (e) => postMessage({ error: { message: String(e) } }));
