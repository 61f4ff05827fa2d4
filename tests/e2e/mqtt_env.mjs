// Shared pieces of the client end-to-end tests (tests/e2e/client_*.test.mjs):
// the brokers they talk to, a page to run the client in, MQTT.js for that page.
//
// The shared mosquitto is the one ./scripts/test starts (MQTT_WS_URL, MQTT_TCP_PORT).
// Tests that need another configuration (persistence, passwords) start their own
// with startMosquitto() on free loopback ports and stop it by PID.
import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { openPage } from './browser.mjs';

export const WS_URL = process.env.MQTT_WS_URL ?? 'ws://127.0.0.1:19001';
export const TCP_PORT = Number(process.env.MQTT_TCP_PORT ?? 18830);

const ROOT = new URL('../../', import.meta.url);
const MOSQUITTO = '/usr/sbin/mosquitto';

/** A TCP port on 127.0.0.1 that nothing listens on (at the time of asking). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function portOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('connect', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits until `fn()` is truthy (polling), or throws after `timeout` ms. */
export async function waitFor(fn, { timeout = 10_000, what = 'condition' } = {}) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeout) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Starts a mosquitto of its own on free loopback ports (MQTT over TCP and over
 * WebSockets). `persistence: true` keeps its database in a temp directory across
 * `restart()`; `users: { name: password }` turns anonymous access off; `maxQueued`
 * raises mosquitto's per-client queue (max_queued_messages, 1000 by default);
 * `maxInflight` sets max_inflight_messages (20 by default; 0 means no limit), which
 * mosquitto applies to QoS 1/2 messages in flight in both directions. With
 * persistence, give a number rather than 0: mosquitto 2.0.11 restores the in-flight
 * messages of a "no limit" session as if never sent, so after a restart it sends a
 * QoS 2 message again as PUBLISH where it owes a PUBREL (client_broker.test.mjs).
 * `tcpPort` and `wsPort` choose the ports (free ones by default).
 * `stop()` sends SIGTERM to its PID and waits for it to exit; with persistence,
 * mosquitto saves its database on the way out, so `start()` restores every session
 * as it stood when it stopped (the autosave only matters if it is killed).
 */
export async function startMosquitto({
  persistence = false, users = null, debug = false, maxQueued = null, maxInflight = null, tcpPort = null, wsPort = null,
} = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-lab-mosq-'));
  // mosquitto started as root drops to its own user: it must reach these files.
  chmodSync(dir, 0o777);
  tcpPort ??= await freePort();
  wsPort ??= await freePort();
  const lines = [
    'set_tcp_nodelay true',
    'per_listener_settings false',
    `allow_anonymous ${users ? 'false' : 'true'}`,
    `persistence ${persistence}`,
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    ...(debug ? ['log_type debug'] : []),
    // Past this many QoS 1/2 messages queued for one client, mosquitto drops new
    // ones silently (default 1000); MQTT 3.1.1 has no flow control to prevent it.
    ...(maxQueued ? [`max_queued_messages ${maxQueued}`] : []),
    // Past this many QoS 1/2 messages in flight from one client, mosquitto 2.0
    // rejects new ones with 0x97 Quota exceeded, which a 3.1.1 PUBACK cannot carry.
    ...(maxInflight !== null ? [`max_inflight_messages ${maxInflight}`] : []),
  ];
  if (persistence) {
    const data = path.join(dir, 'data');
    mkdirSync(data);
    chmodSync(data, 0o777);
    lines.push(`persistence_location ${data}/`, 'autosave_interval 1');
  }
  if (users) {
    const pwfile = path.join(dir, 'passwords');
    writeFileSync(pwfile, '');
    for (const [user, pw] of Object.entries(users)) {
      execFileSync('mosquitto_passwd', ['-b', pwfile, user, pw]);
    }
    chmodSync(pwfile, 0o644);
    lines.push(`password_file ${pwfile}`);
  }
  lines.push(
    `listener ${tcpPort} 127.0.0.1`, 'protocol mqtt',
    `listener ${wsPort} 127.0.0.1`, 'socket_domain ipv4', 'protocol websockets');
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(conf, `${lines.join('\n')}\n`);
  chmodSync(conf, 0o644);

  const broker = {
    dir, tcpPort, wsPort, wsUrl: `ws://127.0.0.1:${wsPort}`, proc: null, log: '',
    async start() {
      const proc = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
      proc.stderr.on('data', (d) => { broker.log += d; });
      broker.proc = proc;
      await waitFor(async () => {
        if (proc.exitCode !== null) throw new Error(`mosquitto exited: ${broker.log}`);
        return (await portOpen(tcpPort)) && (await portOpen(wsPort));
      }, { what: `mosquitto on ${tcpPort}/${wsPort}` });
    },
    async stop() {
      const proc = broker.proc;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      process.kill(proc.pid, 'SIGTERM');
      await exited;
      broker.proc = null;
    },
    async restart() {
      await broker.stop();
      await broker.start();
    },
    async dispose() {
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await broker.start();
  return broker;
}

/**
 * Copies MQTT.js's browser ES module into www/vendor/ (git-ignored) so a test
 * page can import it from '/vendor/mqtt.esm.js' next to our client.
 */
export function vendorMqttJs() {
  const dir = new URL('www/vendor/', ROOT);
  mkdirSync(dir, { recursive: true });
  copyFileSync(new URL('node_modules/mqtt/dist/mqtt.esm.js', ROOT), new URL('mqtt.esm.js', dir));
  return '/vendor/mqtt.esm.js';
}

/** The client test page; `page.evaluate` can `import('/lib/mqtt.js')` in it. */
export function clientPage(browser) {
  return openPage('/test/client.html', { browser });
}

/**
 * Runs `cmd args` to completion (e.g. mosquitto_sub -C 3), with a time limit;
 * kills it by PID if it overruns. Resolves with its stdout.
 */
export function run(cmd, args, { timeout = 10_000 } = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => { out += d; });
    proc.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => {
      process.kill(proc.pid, 'SIGTERM');
      reject(new Error(`${cmd} ${args.join(' ')} timed out; stdout: ${out} stderr: ${err}`));
    }, timeout);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} exited with ${code}: ${err}`));
    });
  });
}

/**
 * Starts `cmd args` in the background; returns the child, with `out` (its stdout so far)
 * and `exited` (a promise of its exit code). Stop it with `process.kill(child.pid)`.
 */
export function start(cmd, args) {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.out = '';
  proc.stdout.on('data', (d) => { proc.out += d; });
  proc.exited = new Promise((res) => proc.on('exit', res));
  return proc;
}

/** Errors the page logged, without the ones a test provoked on purpose (failed WebSockets). */
export function unexpectedErrors(errors) {
  return errors.filter((e) => !/WebSocket connection to .* failed|WebSocket is closed before/.test(e));
}
