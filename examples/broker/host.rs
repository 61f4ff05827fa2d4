//! The host: listeners, connection threads and the broker thread.

use super::ws;
use mqtt_lab::broker::{
    Broker, BrokerConfig, BrokerEvent, CloseReason, ConnId, Millis, PasswordTable,
};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// The transport a connection came in on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Transport {
    Tcp,
    Ws,
}

/// What reading threads tell the broker thread.
enum ToBroker {
    /// A transport is ready; answer with its id.
    Open {
        transport: Transport,
        peer: SocketAddr,
        out: Sender<ToWriter>,
        reply: Sender<(ConnId, Arc<Backlog>)>,
    },
    Bytes(ConnId, Vec<u8>),
    Closed(ConnId),
    /// A writer that was backed up has sent most of what it held.
    Drained(ConnId),
}

/// Messages (up to 64 KiB read at once each) waiting for the broker thread.
const INBOX: usize = 64;

/// A writer holding more unsent bytes than this is backed up: the broker is told
/// ([`Broker::handle_backpressure`]) and keeps that connection's messages in its
/// session queue, within its limits, instead of the host buffering them without
/// bound for a subscriber that reads slowly or not at all.
const BACKED_UP: usize = 1 << 20;
/// A backed-up writer is drained again below this.
const DRAINED: usize = 256 << 10;

/// What the broker thread and a connection's writer share: the bytes handed to
/// the writer and not yet written, and whether the broker was told it is backed up.
#[derive(Default)]
struct Backlog {
    bytes: AtomicUsize,
    busy: AtomicBool,
}

/// The broker thread's handle on a connection's writer.
struct Writer {
    tx: Sender<ToWriter>,
    backlog: Arc<Backlog>,
}

/// What the broker thread tells a connection's writing thread.
enum ToWriter {
    /// MQTT bytes to send (framed by the writer for WebSocket).
    Mqtt(Vec<u8>),
    /// A WebSocket frame the reader wants sent (pong, close).
    Frame(Vec<u8>),
    /// Close the transport after what was sent before.
    Close,
}

struct Options {
    tcp: Option<String>,
    ws: Option<String>,
    users: Vec<(String, String)>,
    allow_anonymous: bool,
    trace: bool,
    max_queued: Option<usize>,
    max_queued_bytes: Option<usize>,
}

fn usage() -> ! {
    eprintln!(
        "usage: broker [--listen ADDR] [--ws ADDR] [--user NAME:PASSWORD ...] \
         [--allow-anonymous true|false] [--trace] [--max-queued N] [--max-queued-bytes N]\n\
         At least one of --listen (MQTT over TCP) and --ws (MQTT over WebSocket).\n\
         --max-queued: messages queued per session before new ones are dropped \
         (default 1000; 3.1.1 has no flow control, so benchmarks raise it);\n\
         --max-queued-bytes: the same in bytes of topics and payloads (default 4 MiB)."
    );
    std::process::exit(2)
}

fn parse_args() -> Options {
    let mut o = Options {
        tcp: None,
        ws: None,
        users: Vec::new(),
        allow_anonymous: true,
        trace: false,
        max_queued: None,
        max_queued_bytes: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--listen" => o.tcp = Some(value()),
            "--ws" => o.ws = Some(value()),
            "--user" => match value().split_once(':') {
                Some((u, p)) => o.users.push((u.to_owned(), p.to_owned())),
                None => usage(),
            },
            "--allow-anonymous" => {
                o.allow_anonymous = match value().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => usage(),
                }
            }
            "--trace" => o.trace = true,
            "--max-queued" => o.max_queued = Some(value().parse().unwrap_or_else(|_| usage())),
            "--max-queued-bytes" => {
                o.max_queued_bytes = Some(value().parse().unwrap_or_else(|_| usage()))
            }
            _ => usage(),
        }
    }
    if o.tcp.is_none() && o.ws.is_none() {
        usage();
    }
    o
}

/// Parses the arguments, binds the listeners and runs until killed.
pub fn main() {
    let o = parse_args();
    // Bounded: when the broker thread falls behind, the readers wait, and TCP's
    // flow control slows a publisher down instead of the host buffering its bytes.
    let (to_broker, inbox) = mpsc::sync_channel(INBOX);
    for (addr, transport) in [(&o.tcp, Transport::Tcp), (&o.ws, Transport::Ws)] {
        let Some(addr) = addr else { continue };
        let listener = TcpListener::bind(addr).unwrap_or_else(|e| {
            eprintln!("cannot listen on {addr}: {e}");
            std::process::exit(1)
        });
        let name = if transport == Transport::Tcp {
            "tcp"
        } else {
            "ws"
        };
        eprintln!("listening on {name} {}", listener.local_addr().unwrap());
        let to_broker = to_broker.clone();
        thread::spawn(move || accept_loop(listener, transport, to_broker));
    }
    drop(to_broker);

    let mut broker = Broker::new(
        BrokerConfig {
            trace_packets: o.trace,
            max_queued_messages: o
                .max_queued
                .unwrap_or(BrokerConfig::default().max_queued_messages),
            max_queued_bytes: o
                .max_queued_bytes
                .unwrap_or(BrokerConfig::default().max_queued_bytes),
            ..BrokerConfig::default()
        },
        // Only assigned client identifiers depend on the seed.
        u64::from(std::process::id()),
    );
    if !o.users.is_empty() || !o.allow_anonymous {
        let mut table = PasswordTable::new();
        for (u, p) in &o.users {
            table = table.with_user(u, p.as_bytes());
        }
        table.allow_anonymous = o.allow_anonymous;
        broker.set_authenticator(Box::new(table));
    }
    run_broker(broker, inbox);
}

fn accept_loop(listener: TcpListener, transport: Transport, to_broker: SyncSender<ToBroker>) {
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                let to_broker = to_broker.clone();
                thread::spawn(move || serve(stream, transport, to_broker));
            }
            // Out of file descriptors and the like: keep accepting.
            Err(e) => eprintln!("accept failed: {e}"),
        }
    }
}

/// One connection: the WebSocket handshake if any, then the reading loop on
/// this thread and the writing loop on another.
fn serve(mut stream: TcpStream, transport: Transport, to_broker: SyncSender<ToBroker>) {
    let peer = match stream.peer_addr() {
        Ok(p) => p,
        Err(_) => return,
    };
    // Small MQTT packets must not wait for Nagle's algorithm.
    let _ = stream.set_nodelay(true);
    let mut frames = None;
    if transport == Transport::Ws {
        match ws::handshake(&mut stream) {
            Ok(up) => {
                if stream.write_all(&up.response).is_err() {
                    return;
                }
                if !up.ok {
                    eprintln!("ws {peer}: not a WebSocket upgrade (path {:?})", up.path);
                    return;
                }
                frames = Some(ws::FrameReader::new(up.leftover));
            }
            Err(e) => {
                eprintln!("ws {peer}: handshake failed: {e}");
                return;
            }
        }
    }
    let Ok(write_half) = stream.try_clone() else {
        return;
    };
    let (out, out_rx) = mpsc::channel();
    let (reply, id_rx) = mpsc::channel();
    let open = ToBroker::Open {
        transport,
        peer,
        out: out.clone(),
        reply,
    };
    if to_broker.send(open).is_err() {
        return;
    }
    let Ok((conn, backlog)) = id_rx.recv() else {
        return;
    };
    let drained = to_broker.clone();
    thread::spawn(move || {
        write_loop(write_half, transport, out_rx, &backlog, || {
            let _ = drained.send(ToBroker::Drained(conn));
        })
    });

    let mut buf = vec![0u8; 64 * 1024];
    'read: loop {
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let Some(frames) = frames.as_mut() else {
            if to_broker
                .send(ToBroker::Bytes(conn, buf[..n].to_vec()))
                .is_err()
            {
                break;
            }
            continue;
        };
        frames.feed(&buf[..n]);
        let mut data = Vec::new();
        while let Some(frame) = frames.next() {
            match frame {
                ws::Incoming::Data(d) => data.extend_from_slice(&d),
                ws::Incoming::Ping(pong) => {
                    let _ = out.send(ToWriter::Frame(pong));
                }
                ws::Incoming::Close(reply) => {
                    if !data.is_empty() {
                        let _ = to_broker.send(ToBroker::Bytes(conn, data));
                    }
                    let _ = out.send(ToWriter::Frame(reply));
                    break 'read;
                }
            }
        }
        if !data.is_empty() && to_broker.send(ToBroker::Bytes(conn, data)).is_err() {
            break;
        }
    }
    let _ = to_broker.send(ToBroker::Closed(conn));
    // The writer flushes what it has (a WebSocket close frame, say), then closes.
    let _ = out.send(ToWriter::Close);
}

fn write_loop(
    mut stream: TcpStream,
    transport: Transport,
    rx: Receiver<ToWriter>,
    backlog: &Backlog,
    drained: impl Fn(),
) {
    let mut close_sent = false;
    while let Ok(msg) = rx.recv() {
        let ok = match msg {
            ToWriter::Mqtt(bytes) => {
                let ok = if transport == Transport::Ws {
                    stream.write_all(&ws::binary_frame(&bytes))
                } else {
                    stream.write_all(&bytes)
                };
                let left = backlog.bytes.fetch_sub(bytes.len(), Ordering::SeqCst) - bytes.len();
                if left <= DRAINED && backlog.busy.swap(false, Ordering::SeqCst) {
                    drained();
                }
                ok
            }
            ToWriter::Frame(bytes) => {
                close_sent |= bytes.first() == Some(&0x88);
                stream.write_all(&bytes)
            }
            ToWriter::Close => {
                // RFC 6455 §7.1.1: a WebSocket ends with a close frame.
                if transport == Transport::Ws && !close_sent {
                    let _ = stream.write_all(&ws::close_frame(1000));
                }
                break;
            }
        };
        if ok.is_err() {
            break;
        }
    }
    // Ends the reader too: its read returns 0 or an error.
    let _ = stream.shutdown(Shutdown::Both);
}

/// The broker thread: feeds what the connections send into the broker, hands
/// its output to the writers, and wakes for its deadlines.
fn run_broker(mut broker: Broker, inbox: Receiver<ToBroker>) {
    let start = Instant::now();
    let now = || start.elapsed().as_millis() as Millis;
    let mut writers: HashMap<ConnId, Writer> = HashMap::new();
    let mut peers: HashMap<ConnId, (Transport, SocketAddr)> = HashMap::new();
    let mut drops: HashMap<(String, String), u64> = HashMap::new();
    let mut drops_logged: Millis = 0;
    loop {
        let msg = match broker.poll_timeout() {
            Some(deadline) => {
                let wait = deadline.saturating_sub(now());
                match inbox.recv_timeout(Duration::from_millis(wait)) {
                    Ok(m) => Some(m),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
            None => match inbox.recv() {
                Ok(m) => Some(m),
                Err(_) => return,
            },
        };
        // Take what is already waiting before flushing: one write per connection
        // for a burst of publishes. At most INBOX messages, so that a publisher
        // that never stops cannot keep the flush (and the backpressure check
        // after it) from happening.
        let burst = msg.map(|first| std::iter::once(first).chain(inbox.try_iter()).take(INBOX));
        for m in burst.into_iter().flatten() {
            let t = now();
            match m {
                ToBroker::Open {
                    transport,
                    peer,
                    out,
                    reply,
                } => {
                    let id = broker.open(t);
                    let backlog = Arc::new(Backlog::default());
                    writers.insert(
                        id,
                        Writer {
                            tx: out,
                            backlog: backlog.clone(),
                        },
                    );
                    peers.insert(id, (transport, peer));
                    let _ = reply.send((id, backlog));
                }
                ToBroker::Bytes(id, bytes) => broker.handle_bytes(id, t, &bytes),
                ToBroker::Closed(id) => broker.handle_closed(id, t),
                ToBroker::Drained(id) => broker.handle_backpressure(id, t, false),
            }
        }
        let t = now();
        if broker.poll_timeout().is_some_and(|d| d <= t) {
            broker.handle_timeout(t);
        }
        let mut backed_up = Vec::new();
        while let Some((id, bytes)) = broker.poll_transmit() {
            if let Some(w) = writers.get(&id) {
                let queued = w.backlog.bytes.fetch_add(bytes.len(), Ordering::SeqCst) + bytes.len();
                let _ = w.tx.send(ToWriter::Mqtt(bytes));
                if queued > BACKED_UP && !w.backlog.busy.swap(true, Ordering::SeqCst) {
                    // The writer may have written it all between the add and the
                    // swap, and found `busy` not yet set: then nobody would say it
                    // drained. Look again; whichever of us clears `busy` first
                    // decides (the writer by reporting the drain).
                    let drained_meanwhile = w.backlog.bytes.load(Ordering::SeqCst) <= DRAINED
                        && w.backlog.busy.swap(false, Ordering::SeqCst);
                    if !drained_meanwhile {
                        backed_up.push(id);
                    }
                }
            }
        }
        for id in backed_up {
            broker.handle_backpressure(id, t, true);
        }
        while let Some(id) = broker.poll_close() {
            if let Some(w) = writers.remove(&id) {
                let _ = w.tx.send(ToWriter::Close);
            }
        }
        while let Some(ev) = broker.poll_event() {
            if let BrokerEvent::MessageDropped { client_id, why, .. } = &ev {
                *drops
                    .entry((client_id.clone(), format!("{why:?}")))
                    .or_default() += 1;
            } else {
                log_event(&ev, &mut peers);
            }
        }
        // Dropped messages are summed, one line per client and reason at most
        // once a second: a flood can drop thousands a second.
        let t = now();
        if !drops.is_empty() && t.saturating_sub(drops_logged) >= 1000 {
            drops_logged = t;
            for ((client, why), n) in drops.drain() {
                eprintln!("dropped {n} message(s) for {client:?}: {why}");
            }
        }
    }
}

fn log_event(ev: &BrokerEvent, peers: &mut HashMap<ConnId, (Transport, SocketAddr)>) {
    match ev {
        BrokerEvent::ConnectionOpened { conn, .. } => {
            if let Some((t, addr)) = peers.get(conn) {
                eprintln!("conn {}: opened ({t:?} from {addr})", conn.0);
            }
        }
        BrokerEvent::ConnectionClosed {
            conn,
            client_id,
            reason,
            ..
        } => {
            peers.remove(conn);
            let who = client_id.as_deref().unwrap_or("-");
            match reason {
                CloseReason::ProtocolError { reason, detail } => eprintln!(
                    "conn {} ({who}): closed, protocol error 0x{:02X}: {detail}",
                    conn.0, reason.0
                ),
                other => eprintln!("conn {} ({who}): closed, {other:?}", conn.0),
            }
        }
        BrokerEvent::DecodeFailed {
            conn,
            client_id,
            error,
            ..
        } => eprintln!(
            "conn {} ({}): malformed input: {error}",
            conn.0,
            client_id.as_deref().unwrap_or("-")
        ),
        BrokerEvent::PacketIn { conn, packet, .. } => eprintln!("conn {} <- {packet:?}", conn.0),
        BrokerEvent::PacketOut { conn, packet, .. } => eprintln!("conn {} -> {packet:?}", conn.0),
        BrokerEvent::SessionCreated { .. }
        | BrokerEvent::SessionResumed { .. }
        | BrokerEvent::SessionEnded { .. }
        | BrokerEvent::WillPublished { .. } => eprintln!("{ev:?}"),
        _ => {}
    }
}
