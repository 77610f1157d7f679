#!/usr/bin/env node
// One worker process of the SSE load benchmark (bench/sse/run.sh, started by driver.mjs). Node 20,
// built-in modules only. Opens --count Server-Sent Events streams to GET /live/match/ID on
// 127.0.0.1, each on its own connection bound to a source address in 127.0.0.2 … 127.0.0.254,
// and records every liveblog entry the benchmark sends (text `bench-<n>-<unix ms>`).
//
//   node client.mjs --port P --match ID --count N [--first G] [--concurrency 500]
//                   [--events 60] [--connect-timeout 15000] [--max-seconds 400]
//
// --first: the global index of this worker's first client (picks the source addresses and names
// the clients in the results). Entry n = 0 is phase A; 1 … --events are phase B.
//
// Protocol with the parent (one JSON object a line on stdout; the parent writes lines to stdin):
//   stdout {"t":"status", ...}   every 200 ms: open streams, counts per entry n, ...
//   stdout {"t":"ready", ...}    once, when every first connection attempt has succeeded or failed
//   stdin  finish                stop: close every stream, print {"t":"result", ...}, exit
// The worker also exits when stdin closes (the parent died) or after --max-seconds.
//
// Like a browser's EventSource, a stream that ends after it was established (the server drops
// slow clients) is reconnected after a random delay around the server's `retry:` value (1 s
// when none was sent), with `Last-Event-ID` set to the last `id:` seen; failed reconnects are
// tried again the same way. A first connection that fails is counted with its reason and not
// retried.

import http from 'node:http';
import readline from 'node:readline';

// ---- arguments --------------------------------------------------------------------------------
const args = {};
{
    const a = process.argv.slice(2);
    for (let i = 0; i < a.length; i += 2) {
        if (!a[i].startsWith('--') || a[i + 1] === undefined) die(`bad argument ${a[i]}`);
        args[a[i].slice(2)] = a[i + 1];
    }
}
function die(msg) {
    process.stderr.write(`client: ${msg}\n`);
    process.exit(2);
}
function int(name, dflt) {
    const v = args[name] ?? (dflt === undefined ? die(`--${name} is required`) : String(dflt));
    if (!/^\d+$/.test(v)) die(`--${name} must be a whole number, not ${v}`);
    return Number(v);
}
const PORT = int('port');
const MATCH = int('match');
const COUNT = int('count');
const FIRST = int('first', 0);
const CONCURRENCY = Math.max(1, int('concurrency', 500));
const EVENTS = int('events', 60);
const CONNECT_TIMEOUT = int('connect-timeout', 15000);
const MAX_SECONDS = int('max-seconds', 400);
const PATH = `/live/match/${MATCH}`;
const MARKER = /bench-(\d+)-(\d+)/;
const RETRY_CAP_MS = 10_000;

// ---- counters -----------------------------------------------------------------------------------
const failures = {}; // first-connection failures by reason
const reconnectFailures = {}; // failed reconnect attempts by reason
const events = {}; // SSE messages received by event name
const have = new Int32Array(EVENTS + 1); // how many of this worker's clients got entry n
const histA = new Map(); // latency ms -> deliveries, entry 0
const histB = new Map(); // latency ms -> deliveries, entries 1 … EVENTS
let established = 0; // clients whose first connection got 200 + text/event-stream
let failed = 0;
let open = 0; // streams open right now
let drops = 0; // established streams that ended (server closed or connection error)
let reconnects = 0; // reconnects that got 200 again
let heartbeats = 0; // comment lines (": ...")
let duplicates = 0; // an entry a client had already
let replayed = 0; // entries sent before the stream they arrived on was opened (Last-Event-ID)
let markersElsewhere = 0; // bench markers in messages that are not `entry`
let outOfRange = 0; // bench markers with n > EVENTS (another run's?)
let bytes = 0;
let finishing = false;
let readyAt = null;
const started = Date.now();

function bump(map, key) { map[key] = (map[key] || 0) + 1; }
function hist(map, ms) { map.set(ms, (map.get(ms) || 0) + 1); }

// ---- one simulated browser tab ------------------------------------------------------------------
class Client {
    constructor(index) {
        this.index = index; // global
        this.addr = `127.0.0.${2 + (index % 253)}`;
        this.lastId = null;
        this.retry = 1000;
        this.got = new Uint8Array(EVENTS + 1);
        this.req = null;
        this.openedAt = 0;
        this.everOpen = false;
        this.buf = '';
        this.event = '';
        this.data = null;
    }

    // Resolves true when the stream is established, false when this attempt failed.
    connect() {
        return new Promise((resolve) => {
            const headers = { accept: 'text/event-stream', 'cache-control': 'no-cache' };
            if (this.lastId !== null) headers['last-event-id'] = this.lastId;
            const req = http.request({
                host: '127.0.0.1', port: PORT, path: PATH, method: 'GET', headers,
                agent: false, localAddress: this.addr,
            });
            this.req = req;
            let state = 'connecting'; // connecting | open | failed
            let reason = null;
            const timer = setTimeout(() => {
                reason = 'timeout';
                req.destroy();
            }, CONNECT_TIMEOUT);
            req.on('response', (res) => {
                clearTimeout(timer);
                res.on('error', () => {});
                const type = String(res.headers['content-type'] || '');
                if (res.statusCode !== 200 || !type.startsWith('text/event-stream')) {
                    reason = res.statusCode !== 200 ? `HTTP ${res.statusCode}` : `content-type ${type || 'none'}`;
                    res.resume();
                    req.destroy();
                    return;
                }
                state = 'open';
                open++;
                this.openedAt = Date.now();
                this.buf = '';
                this.event = '';
                this.data = null;
                res.setEncoding('utf8');
                res.on('data', (chunk) => this.onData(chunk));
                resolve(true);
            });
            req.on('error', (e) => { if (reason === null) reason = e.code || e.message; });
            req.on('close', () => {
                clearTimeout(timer);
                if (this.req === req) this.req = null;
                if (state === 'open') {
                    open--;
                    if (finishing) return;
                    drops++;
                    this.scheduleReconnect();
                } else if (state === 'connecting') {
                    state = 'failed';
                    resolve(false);
                    if (this.everOpen) {
                        bump(reconnectFailures, reason || 'closed before response');
                        if (!finishing) this.scheduleReconnect();
                    } else {
                        bump(failures, reason || 'closed before response');
                    }
                }
            });
            req.end();
        });
    }

    scheduleReconnect() {
        const base = Math.min(this.retry, RETRY_CAP_MS);
        const delay = Math.round(base * (0.5 + Math.random()));
        setTimeout(async () => {
            if (finishing) return;
            if (await this.connect()) reconnects++;
        }, delay);
    }

    onData(chunk) {
        bytes += chunk.length;
        const s = this.buf + chunk;
        let start = 0;
        let i;
        while ((i = s.indexOf('\n', start)) !== -1) {
            let line = s.slice(start, i);
            start = i + 1;
            if (line.endsWith('\r')) line = line.slice(0, -1);
            this.onLine(line);
        }
        this.buf = start === s.length ? '' : s.slice(start);
    }

    onLine(line) {
        if (line === '') return this.dispatch();
        if (line[0] === ':') { heartbeats++; return; }
        const c = line.indexOf(':');
        const field = c < 0 ? line : line.slice(0, c);
        let value = c < 0 ? '' : line.slice(c + 1);
        if (value[0] === ' ') value = value.slice(1);
        switch (field) {
            case 'event': this.event = value; break;
            case 'data': this.data = this.data === null ? value : `${this.data}\n${value}`; break;
            case 'id': if (!value.includes('\0')) this.lastId = value; break;
            case 'retry': if (/^\d+$/.test(value)) this.retry = Number(value); break;
            default: break;
        }
    }

    dispatch() {
        const now = Date.now();
        const name = this.event || 'message';
        const data = this.data;
        this.event = '';
        this.data = null;
        if (data === null) return;
        bump(events, name);
        const m = MARKER.exec(data);
        if (!m) return;
        if (name !== 'entry') { markersElsewhere++; return; }
        const n = Number(m[1]);
        const sent = Number(m[2]);
        if (n > EVENTS) { outOfRange++; return; }
        if (this.got[n]) { duplicates++; return; }
        this.got[n] = 1;
        have[n]++;
        if (sent < this.openedAt) replayed++;
        hist(n === 0 ? histA : histB, Math.max(0, now - sent));
    }
}

// ---- the run --------------------------------------------------------------------------------------
const clients = Array.from({ length: COUNT }, (_, i) => new Client(FIRST + i));

function send(obj) { process.stdout.write(`${JSON.stringify(obj)}\n`); }

function status() {
    send({
        t: 'status', established, failed, open, drops, reconnects,
        pending: COUNT - established - failed, have: Array.from(have),
    });
}
const statusTimer = setInterval(status, 200);

async function connectAll() {
    let next = 0;
    const lane = async () => {
        while (next < clients.length) {
            const c = clients[next++];
            if (await c.connect()) {
                c.everOpen = true;
                established++;
            } else {
                failed++;
            }
        }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, clients.length) }, lane));
    readyAt = Date.now();
    status();
    send({ t: 'ready', established, failed, failures, ms: readyAt - started });
}

function finish() {
    if (finishing) return;
    finishing = true;
    clearInterval(statusTimer);
    const missed = []; // [global client index, [n …]] for clients that missed any of 1 … EVENTS
    let missedA = 0;
    for (const c of clients) {
        if (!c.everOpen) continue;
        if (!c.got[0]) missedA++;
        const list = [];
        for (let n = 1; n <= EVENTS; n++) if (!c.got[n]) list.push(n);
        if (list.length) missed.push([c.index, list]);
    }
    for (const c of clients) if (c.req) c.req.destroy();
    const result = {
        t: 'result', first: FIRST, count: COUNT, established, failed, failures, open_at_finish: open,
        drops, reconnects, reconnect_failures: reconnectFailures, heartbeats, events, duplicates,
        replayed, markers_elsewhere: markersElsewhere, out_of_range: outOfRange, bytes,
        connect_ms: readyAt === null ? null : readyAt - started,
        have: Array.from(have), missed_a: missedA, missed,
        hist_a: Object.fromEntries(histA), hist_b: Object.fromEntries(histB),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() === 'finish') finish();
}).on('close', () => { if (!finishing) process.exit(3); });
setTimeout(() => {
    process.stderr.write(`client ${FIRST}: --max-seconds ${MAX_SECONDS} reached, exiting\n`);
    process.exit(4);
}, MAX_SECONDS * 1000).unref();

connectAll();
