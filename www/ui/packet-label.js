// Names, short labels and colours of MQTT packets, read straight from their
// bytes (the fixed header and the first fields), so that a flight can be drawn
// and labelled without decoding the whole packet. Everything returns plain
// strings for textContent.

/** mqtt-packet's `cmd` names, by control packet type (the high nibble of byte 0). */
export const CMDS = [
  'reserved', 'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp',
  'subscribe', 'suback', 'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect', 'auth',
];

/** Short names for narrow screens. */
const SHORT = {
  connect: 'CONN', connack: 'CACK', publish: 'PUB', puback: 'PACK', pubrec: 'PREC', pubrel: 'PREL',
  pubcomp: 'PCOMP', subscribe: 'SUB', suback: 'SACK', unsubscribe: 'UNSUB', unsuback: 'UACK',
  pingreq: 'PING', pingresp: 'PRESP', disconnect: 'DISC', auth: 'AUTH',
};

/** The packet types in the legend's order, each with a word on what it does. */
export const LEGEND = [
  ['connect', 'a client asks to connect'],
  ['connack', 'the broker answers CONNECT'],
  ['publish', 'a message'],
  ['puback', 'QoS 1: received'],
  ['pubrec', 'QoS 2: received'],
  ['pubrel', 'QoS 2: release'],
  ['pubcomp', 'QoS 2: complete'],
  ['subscribe', 'ask for topics'],
  ['suback', 'the broker grants them'],
  ['unsubscribe', 'stop a subscription'],
  ['unsuback', 'the broker confirms'],
  ['pingreq', 'keepalive: still there?'],
  ['pingresp', 'keepalive: yes'],
  ['disconnect', 'a clean goodbye'],
  ['auth', 'MQTT 5 authentication'],
];

/** The `cmd` of a packet from its first byte ('unknown' when there is none). */
export function cmdOf(bytes) {
  return bytes && bytes.length ? CMDS[bytes[0] >> 4] : 'unknown';
}

/** The name drawn on a packet: PUBLISH, or PUB when `short`. */
export function typeName(cmd, short = false) {
  if (short) return SHORT[cmd] ?? '?';
  return cmd && cmd !== 'unknown' ? cmd.toUpperCase() : '?';
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** A reader over the packet's bytes that throws RangeError past the end. */
class Reader {
  constructor(bytes, at) {
    this.b = bytes;
    this.i = at;
  }

  u8() {
    if (this.i >= this.b.length) throw new RangeError('short');
    return this.b[this.i++];
  }

  u16() {
    return (this.u8() << 8) | this.u8();
  }

  vbi() {
    let n = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const x = this.u8();
      n += (x & 0x7f) * 2 ** shift;
      if (!(x & 0x80)) return n;
    }
    throw new RangeError('vbi');
  }

  str(max = 48) {
    const len = this.u16();
    if (this.i + len > this.b.length) throw new RangeError('short');
    const s = utf8.decode(this.b.subarray(this.i, this.i + Math.min(len, max * 4)));
    this.i += len;
    const one = s.replace(/[\u0000-\u001f\u007f]+/g, ' ');
    return one.length > max ? `${one.slice(0, max)}…` : one;
  }

  skip(n) {
    this.i += n;
  }
}

/**
 * A short label for a packet, e.g. "PUBLISH home/x qos1", "PUBACK #7",
 * "SUBSCRIBE home/#", "CONNECT dashboard". Bytes that do not read as the
 * packet their first byte announces are labelled with the type name alone.
 */
export function describe(bytes, protocolVersion = 4) {
  const cmd = cmdOf(bytes);
  const name = typeName(cmd);
  if (!bytes || !bytes.length) return 'unknown bytes';
  const v5 = protocolVersion === 5;
  try {
    const r = new Reader(bytes, 1);
    const remaining = r.vbi();
    const end = r.i + remaining;
    const flags = bytes[0] & 0x0f;
    switch (cmd) {
      case 'publish': {
        const qos = (flags >> 1) & 3;
        const topic = r.str();
        let s = `${name} ${topic || '(topic alias)'} qos${qos}`;
        if (qos) s += ` #${r.u16()}`;
        if (flags & 1) s += ' retain';
        if (flags & 8) s += ' dup';
        return s;
      }
      case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp': {
        const id = r.u16();
        const rc = r.i < end ? r.u8() : 0;
        return rc ? `${name} #${id} 0x${rc.toString(16).padStart(2, '0')}` : `${name} #${id}`;
      }
      case 'subscribe': case 'unsubscribe': {
        const id = r.u16();
        if (v5) r.skip(r.vbi());
        const filter = r.str(40);
        let more = 0;
        if (cmd === 'subscribe') r.skip(1);
        while (r.i < end) {
          r.str(1);
          if (cmd === 'subscribe') r.skip(1);
          more++;
        }
        return `${name} ${filter}${more ? ` +${more}` : ''} #${id}`;
      }
      case 'suback': case 'unsuback': {
        const id = r.u16();
        if (v5) r.skip(r.vbi());
        const codes = [];
        while (r.i < end && codes.length < 4) codes.push(r.u8());
        const shown = cmd === 'suback' || v5 ? ` ${codes.map((c) => (c < 3 && cmd === 'suback' ? `qos${c}` : `0x${c.toString(16).padStart(2, '0')}`)).join(' ')}` : '';
        return `${name} #${id}${shown}`;
      }
      case 'connect': {
        r.str(8); // protocol name
        r.u8(); // level
        const cflags = r.u8();
        r.u16(); // keepalive
        if (v5) r.skip(r.vbi());
        const id = r.str(32);
        return `${name} ${id || '(no client id)'}${cflags & 2 ? '' : ' keep session'}${cflags & 4 ? ' +will' : ''}`;
      }
      case 'connack': {
        const sp = r.u8() & 1;
        const rc = r.u8();
        return `${name}${sp ? ' session present' : ''}${rc ? ` refused 0x${rc.toString(16).padStart(2, '0')}` : ''}`;
      }
      case 'disconnect': {
        const rc = r.i < end ? r.u8() : 0;
        return rc ? `${name} 0x${rc.toString(16).padStart(2, '0')}` : name;
      }
      default:
        return name;
    }
  } catch {
    return name;
  }
}
