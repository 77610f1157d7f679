#!/usr/bin/env node
// The parent of the SSE load benchmark (started by bench/sse/run.sh once the server is up).
// Node 20, built-in modules only; talks to 127.0.0.1 only; every step is bounded in time.
//
//   TRIBUNE_BENCH_TOKEN=trb_… node driver.mjs --port P --match ID --server-pid PID
//       --clients N [--workers W] [--concurrency 500] [--events 60] [--phase-a-wait 10]
//       [--settle 8] [--connect-limit 120] [--out last-run.json] [--label TEXT]
//
// Starts W workers (client.mjs) holding N streams between them, reads the server's VmRSS before
// and after they connected, then phase A (one entry to all, wait until everyone has it or
// --phase-a-wait s) and phase B (entries 1 … --events, one a second, then up to --settle s for
// stragglers), collects the workers' results, prints a report on stdout and writes the JSON to
// --out. Progress goes to stderr. See bench/sse/README.md.

import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

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
    process.stderr.write(`driver: ${msg}\n`);
    stopWorkers();
    process.exit(2);
}
function int(name, dflt) {
    const v = args[name] ?? (dflt === undefined ? die(`--${name} is required`) : String(dflt));
    if (!/^\d+$/.test(v)) die(`--${name} must be a whole number, not ${v}`);
    return Number(v);
}
const log = (msg) => process.stderr.write(`[sse ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const PORT = int('port');
const MATCH = int('match');
const SERVER_PID = int('server-pid');
const CLIENTS = int('clients');
const PER_WORKER_MAX = 5000;
const WORKERS = Math.max(1, Math.min(CLIENTS, int('workers', Math.ceil(CLIENTS / PER_WORKER_MAX))));
const CONCURRENCY = int('concurrency', 500);
const EVENTS = int('events', 60);
const PHASE_A_WAIT = int('phase-a-wait', 10) * 1000;
const SETTLE = int('settle', 8) * 1000;
const CONNECT_LIMIT = int('connect-limit', 120) * 1000;
const TOKEN = process.env.TRIBUNE_BENCH_TOKEN || die('TRIBUNE_BENCH_TOKEN is not set');
if (CLIENTS / WORKERS > 19000) die(`${CLIENTS} clients need more than ${WORKERS} workers (≤ 19,000 each)`);

// ---- the server process -------------------------------------------------------------------------
function procStatus(field) { // kB (VmRSS, VmHWM) or a count (Threads)
    try {
        const m = fs.readFileSync(`/proc/${SERVER_PID}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+)`, 'm'));
        return m ? Number(m[1]) : null;
    } catch { return null; }
}
function serverFds() {
    try { return fs.readdirSync(`/proc/${SERVER_PID}/fd`).length; } catch { return null; }
}
function serverCpu() { // seconds of user + system time
    try {
        const stat = fs.readFileSync(`/proc/${SERVER_PID}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return (Number(f[11]) + Number(f[12])) / 100;
    } catch { return null; }
}
function alive() { try { process.kill(SERVER_PID, 0); return true; } catch { return false; } }
const mib = (kb) => (kb === null ? null : Math.round((kb / 1024) * 10) / 10);

// ---- writing entries ------------------------------------------------------------------------------
// The desk's one connection is opened before the readers connect and kept busy with a
// health check every 5 s: with ~20,000 streams the server has no file descriptor left for a
// new connection (the per-process limit is 20,000 here), as a desk on a busy match night
// would have its connection already open.
const postAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function ping() {
    return new Promise((resolve) => {
        const req = http.get({ host: '127.0.0.1', port: PORT, path: '/healthz', agent: postAgent }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode));
        });
        req.setTimeout(10_000, () => req.destroy());
        req.on('error', () => resolve(0));
    });
}
let pinger = null;
async function keepDeskConnection() {
    if ((await ping()) !== 200) die('GET /healthz did not answer 200 before the readers connected');
    pinger = setInterval(ping, 5000);
    pinger.unref();
}
const posts = []; // { n, status, ms, error? }
function postEntry(n) {
    const sent = Date.now();
    const body = Buffer.from(JSON.stringify({ text: `bench-${n}-${sent}` }));
    return new Promise((resolve) => {
        const t0 = process.hrtime.bigint();
        const done = (r) => {
            r.n = n;
            r.sent = sent;
            r.ms = Math.round(Number(process.hrtime.bigint() - t0) / 1e4) / 100;
            posts.push(r);
            resolve(r);
        };
        const req = http.request({
            host: '127.0.0.1', port: PORT, method: 'POST', agent: postAgent,
            path: `/api/v1/desk/matches/${MATCH}/entries`,
            headers: {
                authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json',
                'content-length': body.length, accept: 'application/json',
            },
        }, (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c) => { text += c; });
            res.on('end', () => done({ status: res.statusCode, body: text.slice(0, 300) }));
            res.on('error', (e) => done({ status: 0, error: e.code || e.message }));
        });
        req.setTimeout(10_000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
        req.on('error', (e) => done({ status: 0, error: e.code || e.message }));
        req.end(body);
    });
}

// ---- workers --------------------------------------------------------------------------------------
const workers = [];
function stopWorkers() {
    for (const w of workers) if (w.exitCode === null) { try { w.proc.kill('SIGKILL'); } catch { /* gone */ } }
}
process.on('SIGTERM', () => { stopWorkers(); process.exit(143); });
process.on('SIGINT', () => { stopWorkers(); process.exit(130); });

function startWorkers() {
    const per = Math.floor(CLIENTS / WORKERS);
    let first = 0;
    for (let i = 0; i < WORKERS; i++) {
        const count = per + (i < CLIENTS % WORKERS ? 1 : 0);
        const proc = spawn(process.execPath, [
            path.join(HERE, 'client.mjs'), '--port', String(PORT), '--match', String(MATCH),
            '--count', String(count), '--first', String(first), '--concurrency', String(CONCURRENCY),
            '--events', String(EVENTS), '--max-seconds', '400',
        ], { stdio: ['pipe', 'pipe', 'inherit'] });
        const w = { i, proc, count, first, status: null, ready: null, result: null, exitCode: null };
        proc.on('exit', (code, sig) => {
            w.exitCode = code ?? sig;
            if (w.result === null) log(`worker ${i} exited early (${w.exitCode})`);
        });
        proc.stdin.on('error', () => {});
        readline.createInterface({ input: proc.stdout }).on('line', (line) => {
            let m;
            try { m = JSON.parse(line); } catch { log(`worker ${i}: ${line.slice(0, 200)}`); return; }
            if (m.t === 'status') w.status = m;
            else if (m.t === 'ready') w.ready = m;
            else if (m.t === 'result') w.result = m;
        });
        workers.push(w);
        first += count;
    }
}
function sum(field) { return workers.reduce((a, w) => a + (w.status ? w.status[field] : 0), 0); }
function sumHave(n) { return workers.reduce((a, w) => a + (w.status ? w.status.have[n] : 0), 0); }
// Waits until cond() holds (checked every 50 ms) or ms pass; true when cond() held.
async function until(cond, ms) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        if (cond()) return true;
        if (workers.some((w) => w.exitCode !== null && w.result === null)) die('a worker died');
        await sleep(50);
    }
    return cond();
}

// ---- statistics -----------------------------------------------------------------------------------
function mergeHist(key) {
    const h = new Map();
    for (const w of workers) for (const [ms, c] of Object.entries(w.result[key])) h.set(Number(ms), (h.get(Number(ms)) || 0) + c);
    return [...h.entries()].sort((a, b) => a[0] - b[0]);
}
function quantiles(hist) {
    const total = hist.reduce((a, [, c]) => a + c, 0);
    const q = (p) => {
        if (total === 0) return null;
        const rank = Math.max(1, Math.ceil((p / 100) * total));
        let seen = 0;
        for (const [ms, c] of hist) { seen += c; if (seen >= rank) return ms; }
        return hist[hist.length - 1][0];
    };
    let mean = 0;
    for (const [ms, c] of hist) mean += ms * c;
    return {
        count: total, mean_ms: total ? Math.round((mean / total) * 10) / 10 : null,
        p50_ms: q(50), p90_ms: q(90), p99_ms: q(99), p999_ms: q(99.9), max_ms: total ? hist[hist.length - 1][0] : null,
    };
}
function addCounts(into, from) { for (const [k, v] of Object.entries(from || {})) into[k] = (into[k] || 0) + v; return into; }
const fmtReasons = (o) => Object.entries(o).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';

// ---- the run --------------------------------------------------------------------------------------
async function main() {
    const startedAt = new Date();
    const report = {
        label: args.label || null, started: startedAt.toISOString(), host: os.hostname(), cores: os.cpus().length,
        node: process.version, port: PORT, match: MATCH, clients: CLIENTS, workers: WORKERS,
        concurrency_per_worker: CONCURRENCY, events: EVENTS,
    };
    const rss0 = procStatus('VmRSS');
    const fds0 = serverFds();
    log(`server pid ${SERVER_PID}: VmRSS ${mib(rss0)} MiB, ${fds0} fds before any stream`);

    // -- connect
    await keepDeskConnection();
    log(`connecting ${CLIENTS} clients from ${WORKERS} workers (${CONCURRENCY} in flight each)`);
    const t0 = Date.now();
    startWorkers();
    let lastLog = 0;
    const connected = await until(() => {
        if (Date.now() - lastLog > 3000) {
            lastLog = Date.now();
            log(`  ${sum('established')} connected, ${sum('failed')} failed, ${CLIENTS - sum('established') - sum('failed')} pending`);
        }
        return workers.every((w) => w.ready);
    }, CONNECT_LIMIT);
    const connectMs = Date.now() - t0;
    if (!connected) log(`connect phase not done after ${CONNECT_LIMIT / 1000} s; going on with what connected`);
    const established = sum('established');
    const failures = workers.reduce((a, w) => addCounts(a, w.ready?.failures), {});
    log(`connected ${established}, failed ${sum('failed')} (${fmtReasons(failures)}) in ${(connectMs / 1000).toFixed(1)} s`);
    if (established === 0) die('no client connected');
    if (!alive()) die('the server is gone');
    await sleep(2000);
    const rss1 = procStatus('VmRSS');
    const fds1 = serverFds();
    report.connect = {
        established, failed: sum('failed'), failures, done: connected, seconds: connectMs / 1000,
        per_second: Math.round(established / (connectMs / 1000)), open_after: sum('open'),
    };
    report.memory = {
        rss_before_mib: mib(rss0), rss_connected_mib: mib(rss1), delta_mib: mib(rss1 - rss0),
        kib_per_connection: Math.round(((rss1 - rss0) / established) * 100) / 100,
        fds_before: fds0, fds_connected: fds1, threads: procStatus('Threads'),
    };
    log(`VmRSS ${mib(rss1)} MiB with ${sum('open')} streams open: +${report.memory.delta_mib} MiB, `
        + `${report.memory.kib_per_connection} KiB per connection; ${fds1} fds`);

    // -- phase A: one entry to everyone
    log('phase A: one entry to all');
    const a = await postEntry(0);
    if (a.status !== 201) die(`POST entry: HTTP ${a.status} ${a.error || a.body}`);
    const aAll = await until(() => sumHave(0) >= established, PHASE_A_WAIT);
    const gotA = sumHave(0);
    report.phase_a = { post_status: a.status, post_ms: a.ms, got: gotA, of: established, everyone: aAll, wait_limit_s: PHASE_A_WAIT / 1000 };
    log(`  ${gotA}/${established} got it${aAll ? '' : ` (gave up after ${PHASE_A_WAIT / 1000} s)`}`);
    await sleep(2000);

    // -- phase B: one entry a second
    log(`phase B: ${EVENTS} entries, one a second`);
    const cpu0 = serverCpu();
    const tB = Date.now();
    const inflight = [];
    for (let n = 1; n <= EVENTS; n++) {
        const due = tB + (n - 1) * 1000;
        if (due > Date.now()) await sleep(due - Date.now());
        inflight.push(postEntry(n));
        if (n % 10 === 0) log(`  sent ${n}; ${sum('open')} open, ${sum('drops')} drops, ${sum('reconnects')} reconnects`);
    }
    await Promise.all(inflight);
    const lastSent = Date.now();
    const allB = () => { for (let n = 1; n <= EVENTS; n++) if (sumHave(n) < established) return false; return true; };
    const bAll = await until(allB, SETTLE);
    const settled = Date.now() - lastSent;
    const cpu1 = serverCpu();
    const bSeconds = (Date.now() - tB) / 1000;
    const bPosts = posts.filter((p) => p.n >= 1);
    const badPosts = bPosts.filter((p) => p.status !== 201);
    report.phase_b = {
        sent: bPosts.length, post_errors: badPosts.length,
        post_error_examples: badPosts.slice(0, 5).map((p) => ({ n: p.n, status: p.status, error: p.error, body: p.body })),
        post_p50_ms: quantiles(bPosts.map((p) => [Math.round(p.ms), 1]).sort((x, y) => x[0] - y[0])).p50_ms,
        post_max_ms: Math.round(Math.max(...bPosts.map((p) => p.ms))),
        everyone_everything: bAll, waited_after_last_s: settled / 1000,
        server_cpu_cores: cpu0 === null || cpu1 === null ? null : Math.round(((cpu1 - cpu0) / bSeconds) * 100) / 100,
    };
    report.memory.rss_after_b_mib = mib(procStatus('VmRSS'));
    report.memory.hwm_mib = mib(procStatus('VmHWM'));
    report.memory.fds_after_b = serverFds();
    log(`  done; waited ${(settled / 1000).toFixed(1)} s after the last${bAll ? ', everyone has everything' : ''}`);

    // -- results
    for (const w of workers) w.proc.stdin.write('finish\n');
    if (!(await until(() => workers.every((w) => w.result), 30_000))) die('workers did not report results within 30 s');
    const R = workers.map((w) => w.result);
    const total = (k) => R.reduce((acc, r) => acc + r[k], 0);
    const missed = R.flatMap((r) => r.missed);
    const missPerN = new Array(EVENTS + 1).fill(0);
    for (const [, list] of missed) for (const n of list) missPerN[n]++;
    const latA = quantiles(mergeHist('hist_a'));
    const latB = quantiles(mergeHist('hist_b'));
    report.phase_a.latency = latA;
    report.phase_a.got_by_end = latA.count;
    report.phase_a.missed_by_end = total('missed_a');
    Object.assign(report.phase_b, {
        deliveries: latB.count, expected: established * EVENTS,
        misses: missed.reduce((acc, [, list]) => acc + list.length, 0),
        clients_with_miss: missed.length,
        drops: total('drops'), reconnects: total('reconnects'),
        reconnect_failures: R.reduce((acc, r) => addCounts(acc, r.reconnect_failures), {}),
        replayed: total('replayed'), duplicates: total('duplicates'),
        latency: latB,
        missed_per_n: Object.fromEntries(missPerN.map((c, n) => [n, c]).filter(([n, c]) => n >= 1 && c > 0)),
        missed_per_client: missed.slice(0, 2000).map(([client, list]) => ({ client, missed: list })),
        missed_per_client_truncated: missed.length > 2000,
    });
    report.stream = {
        events: R.reduce((acc, r) => addCounts(acc, r.events), {}), heartbeats: total('heartbeats'),
        bytes: total('bytes'), markers_outside_entry_events: total('markers_elsewhere'),
        markers_out_of_range: total('out_of_range'),
    };
    report.finished = new Date().toISOString();
    report.seconds = (Date.now() - startedAt.getTime()) / 1000;

    if (args.out) fs.writeFileSync(args.out, `${JSON.stringify(report, null, 1)}\n`);
    process.stdout.write(text(report));
    stopWorkers();
    process.exit(0);
}

function text(r) {
    const c = r.connect;
    const m = r.memory;
    const A = r.phase_a;
    const B = r.phase_b;
    const l = (x) => (x === null ? '-' : `${x}`);
    const lat = (q) => `p50 ${l(q.p50_ms)} ms, p90 ${l(q.p90_ms)}, p99 ${l(q.p99_ms)}, max ${l(q.max_ms)}`;
    return [
        `Tribune SSE benchmark${r.label ? ` (${r.label})` : ''}, ${r.started.slice(0, 16).replace('T', ' ')} UTC: `
            + `${r.clients} clients in ${r.workers} workers, match ${r.match}, ${r.cores} cores`,
        `  connect   ${c.established} connected, ${c.failed} failed (${fmtReasons(c.failures)}) in ${c.seconds.toFixed(1)} s `
            + `(${c.per_second}/s)${c.done ? '' : ', NOT all attempts finished'}`,
        `  memory    VmRSS ${m.rss_before_mib} MiB before, ${m.rss_connected_mib} MiB connected: +${m.delta_mib} MiB, `
            + `${m.kib_per_connection} KiB/connection; ${m.rss_after_b_mib} MiB after B (peak ${m.hwm_mib}); `
            + `fds ${m.fds_before} -> ${m.fds_connected}; ${m.threads} threads`,
        `  phase A   1 entry to all: ${A.got}/${A.of} got it within ${A.wait_limit_s} s${A.everyone ? '' : ' (NOT everyone)'}`
            + ` (${A.got_by_end} by the end); ${lat(A.latency)}`,
        `  phase B   ${B.sent} entries 1/s: ${B.deliveries}/${B.expected} delivered; misses ${B.misses} `
            + `(${B.clients_with_miss} clients with a miss); drops ${B.drops}, reconnects ${B.reconnects}, `
            + `replayed ${B.replayed}, duplicates ${B.duplicates}`,
        `            latency ${lat(B.latency)}; server CPU ${l(B.server_cpu_cores)} cores; `
            + `POST p50 ${l(B.post_p50_ms)} ms, max ${l(B.post_max_ms)}, errors ${B.post_errors}`,
        `  stream    events ${JSON.stringify(r.stream.events)}, ${r.stream.heartbeats} heartbeats, `
            + `${mib(r.stream.bytes / 1024)} MiB received`,
        '',
    ].join('\n');
}

main().catch((e) => die(e.stack || String(e)));
