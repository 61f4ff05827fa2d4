// The two brokers the interop tests and the host benchmark compare: this
// project's native broker host (examples/broker) and mosquitto. Both listen on
// 127.0.0.1 only; each is described as { name, host, tcp, ws, stop() }.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const HOST = '127.0.0.1';

/// The broker example's binary: $MQTT_LAB_BROKER_BIN, or the release build.
export function brokerBin() {
  const bin = process.env.MQTT_LAB_BROKER_BIN ?? path.join(ROOT, 'target/debug/examples/broker');
  if (!existsSync(bin)) {
    throw new Error(`${bin} is missing: run \`cargo build --release --example broker\` first`);
  }
  return bin;
}

/// A port free right now on 127.0.0.1 (for mosquitto, which cannot report one it picked).
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function waitForPort(port, child, what, ms = 10_000) {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child && child.exitCode !== null) {
        reject(new Error(`${what} exited (${child.exitCode}) before listening on ${port}`));
        return;
      }
      const s = net.connect(port, HOST);
      s.once('connect', () => { s.destroy(); resolve(); });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > until) reject(new Error(`${what} is not listening on ${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

function stopper(child) {
  return () => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    child.once('exit', () => resolve());
    process.kill(child.pid, 'SIGTERM');
  });
}

/// Starts examples/broker on ports it picks (port 0) and waits for its
/// "listening on tcp|ws ADDR" lines. `log` collects its stderr.
export async function startOurBroker(extraArgs = []) {
  const child = spawn(brokerBin(), ['--listen', `${HOST}:0`, '--ws', `${HOST}:0`, ...extraArgs], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const broker = { name: 'mqtt-lab', host: HOST, log: '', stop: stopper(child), pid: child.pid };
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker did not listen in 10 s:\n${broker.log}`)), 10_000);
    child.once('exit', (code) => reject(new Error(`broker exited (${code}):\n${broker.log}`)));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      broker.log += chunk;
      for (const [, kind, port] of broker.log.matchAll(/^listening on (tcp|ws) [\d.]+:(\d+)$/gm)) {
        broker[kind] = Number(port);
      }
      if (broker.tcp && broker.ws) { clearTimeout(timer); resolve(); }
    });
  });
  return broker;
}

/// The mosquitto that ./scripts/test started (MQTT_TCP_PORT, MQTT_WS_PORT), or,
/// when run alone, one started here on free ports with the same configuration.
export async function startMosquitto() {
  if (process.env.MQTT_TCP_PORT && process.env.MQTT_WS_PORT) {
    return {
      name: 'mosquitto', host: HOST,
      tcp: Number(process.env.MQTT_TCP_PORT), ws: Number(process.env.MQTT_WS_PORT),
      stop: async () => {},
    };
  }
  const [tcp, ws] = [await freePort(), await freePort()];
  // mosquitto drops root privileges to its own user, which must read the file.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-lab-mosquitto-'));
  chmodSync(dir, 0o755);
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(conf, [
    'set_tcp_nodelay true', 'per_listener_settings false', 'allow_anonymous true',
    'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning',
    `listener ${tcp} ${HOST}`, 'protocol mqtt',
    `listener ${ws} ${HOST}`, 'socket_domain ipv4', 'protocol websockets', '',
  ].join('\n'));
  chmodSync(conf, 0o644);
  const child = spawn('/usr/sbin/mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(tcp, child, 'mosquitto');
  await waitForPort(ws, child, 'mosquitto');
  const stop = stopper(child);
  return {
    name: 'mosquitto', host: HOST, tcp, ws, pid: child.pid,
    stop: async () => { await stop(); rmSync(dir, { recursive: true, force: true }); },
  };
}
