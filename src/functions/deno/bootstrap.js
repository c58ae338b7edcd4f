// The main module of one edge-function instance, run by Deno under the permissions the
// functions process chose (network, read of the function's own directory, its variables).
// It reads its settings from stdin, imports the function, keeps the handler the function
// gives Deno.serve, and serves it on a loopback port that it announces on stdout. Requests
// must carry the instance's token, so nothing else on the machine can skip verify_jwt.
// Console output becomes one record per call (\x1e + JSON) with the request's id.
import { AsyncLocalStorage } from 'node:async_hooks';

const RS = '\x1e';
const TOKEN_HEADER = 'x-basalt-instance-token';
const REQUEST_ID_HEADER = 'x-basalt-request-id';

async function readSettings() {
  const decoder = new TextDecoder();
  const chunk = new Uint8Array(4096);
  let text = '';
  while (!text.includes('\n')) {
    const n = await Deno.stdin.read(chunk);
    if (n === null) break;
    text += decoder.decode(chunk.subarray(0, n), { stream: true });
  }
  return JSON.parse(text);
}

const settings = await readSettings(); // { token, entry, env: string[] }
// The functions process keeps stdin open: its end means that process is gone (even killed
// with SIGKILL), and an orphaned instance must not keep running.
(async () => {
  const sink = new Uint8Array(256);
  while ((await Deno.stdin.read(sink)) !== null);
  Deno.exit(0);
})();
const requestId = new AsyncLocalStorage();
const write = console.log.bind(console);
const record = (o) => write(RS + JSON.stringify(o));
const text = (args) => args.map((a) => (typeof a === 'string' ? a : Deno.inspect(a, { depth: 4 }))).join(' ');

for (const [method, level] of [['log', 'info'], ['info', 'info'], ['debug', 'debug'], ['warn', 'warn'], ['error', 'error'], ['trace', 'debug']]) {
  console[method] = (...args) => record({ log: level, rid: requestId.getStore() ?? null, msg: text(args) });
}
// With --allow-env=<names>, toObject would need every variable: give it the allowed ones.
Deno.env.toObject = () => Object.fromEntries(settings.env.flatMap((n) => { const v = Deno.env.get(n); return v === undefined ? [] : [[n, v]]; }));

// An error nothing caught must not end the instance: it is logged, and other requests go on.
globalThis.addEventListener('unhandledrejection', (e) => {
  e.preventDefault();
  console.error('Unhandled rejection:', e.reason);
});
globalThis.addEventListener('error', (e) => {
  e.preventDefault();
  console.error('Uncaught error:', e.error ?? e.message);
});

let handler;
const realServe = Deno.serve.bind(Deno);
Deno.serve = (a, b) => {
  const h = typeof a === 'function' ? a : typeof b === 'function' ? b : a?.handler;
  if (typeof h !== 'function') throw new TypeError('Deno.serve needs a handler function');
  handler = h;
  return {
    finished: new Promise(() => {}),
    addr: { transport: 'tcp', hostname: '0.0.0.0', port: 8000 },
    shutdown: async () => {},
    ref() {},
    unref() {},
    async [Symbol.asyncDispose]() {},
  };
};

try {
  await import(settings.entry);
  if (!handler) throw new Error('The function never called Deno.serve(handler)');
} catch (e) {
  record({ boot_error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  Deno.exit(1);
}

const message = (e) => (e instanceof Error ? e.message : String(e));

realServe(
  { hostname: '127.0.0.1', port: 0, onListen: ({ port }) => record({ ready: port }) },
  async (req, info) => {
    if (req.headers.get(TOKEN_HEADER) !== settings.token) return new Response('Forbidden', { status: 403 });
    const rid = req.headers.get(REQUEST_ID_HEADER) ?? null;
    if (new URL(req.url).pathname === '/__basalt/ping') return new Response('pong');
    const headers = new Headers(req.headers);
    headers.delete(TOKEN_HEADER);
    headers.delete(REQUEST_ID_HEADER);
    const inner = new Request(req, { headers });
    return requestId.run(rid, async () => {
      try {
        const res = await handler(inner, info);
        if (!(res instanceof Response)) throw new TypeError('The function did not return a Response');
        return res;
      } catch (e) {
        console.error(e);
        return Response.json({ code: 'FUNCTION_ERROR', message: message(e) }, { status: 500 });
      }
    });
  },
);
