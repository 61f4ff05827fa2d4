// Types for www/lib/mqtt.js: an MQTT 3.1.1 / 5.0 client for the browser with
// MQTT.js's names. The packet objects have mqtt-packet's shape (as MQTT.js's).

import type { Properties, QoS } from '../pkg/mqtt_lab.js';

/** MQTT 5.0 properties (mqtt-packet's camelCase names) and QoS, as the codec declares them. */
export type { Properties, QoS };
export type Payload = string | Uint8Array | ArrayBuffer | ArrayBufferView;

export interface WillOptions {
  topic: string;
  payload?: Payload;
  qos?: QoS;
  retain?: boolean;
  /** 5.0 Will properties (e.g. willDelayInterval). */
  properties?: Properties;
}

export interface ClientOptions {
  /** 4 (MQTT 3.1.1, the default, as in MQTT.js), 5 (MQTT 5.0) or 3 (MQTT 3.1). */
  protocolVersion?: 3 | 4 | 5;
  /** Default: "mqttlab_" + 8 random hex digits. */
  clientId?: string;
  /** Clean Session / Clean Start; default true. */
  clean?: boolean;
  /** Seconds; default 60; 0 turns keepalive off. */
  keepalive?: number;
  /** Milliseconds to wait for PINGRESP; default half the keepalive (at least 1 s). */
  pingTimeout?: number;
  username?: string;
  password?: string | Uint8Array;
  will?: WillOptions;
  /** First reconnection delay in ms (doubling up to maxReconnectDelay); default 1000; 0: no reconnection. */
  reconnectPeriod?: number;
  /** Longest reconnection delay in ms; default 30000. */
  maxReconnectDelay?: number;
  /** Give up after this many failed attempts in a row; default: never. */
  maxReconnectAttempts?: number;
  /** Milliseconds from opening the WebSocket to CONNACK; default 30000; 0: no limit. */
  connectTimeout?: number;
  /** How many messages may wait while offline; default 1000. */
  queueLimit?: number;
  /** Re-subscribe after reconnecting when the server kept no session; default true. */
  resubscribe?: boolean;
  /** Use Topic Aliases (5.0) within the server's Topic Alias Maximum; default true. */
  autoAssignTopicAlias?: boolean;
  /** Emit packetsend / packetreceive (also turned on by listening to them). */
  trace?: boolean;
  /**
   * Hand each message's PUBLISH packet, as received, to 'message' listeners as a
   * fourth argument (for a packet inspector); default false.
   */
  messageBytes?: boolean;
  /**
   * Where the WebSocket lives: 'main', the page's own thread (one task per
   * WebSocket message), or 'worker', a dedicated Worker that hands the page the
   * messages of each turn as one buffer (for brokers that send every packet as
   * a WebSocket message of its own, at high rates). Default: 'worker' where
   * the page can start a Worker from this module's origin, else 'main'.
   */
  transport?: 'main' | 'worker';
  /** 5.0 CONNECT properties. */
  properties?: Properties;
}

export interface PublishOptions {
  qos?: QoS;
  retain?: boolean;
  /** 5.0 PUBLISH properties (a topicAlias here is ignored: the client assigns aliases). */
  properties?: Properties;
}

export interface SubscribeOptions {
  qos?: QoS;
  /** No Local (5.0). */
  nl?: boolean;
  /** Retain As Published (5.0). */
  rap?: boolean;
  /** Retain Handling (5.0): 0 send, 1 send if new, 2 do not send. */
  rh?: 0 | 1 | 2;
  /** 5.0 SUBSCRIBE properties: subscriptionIdentifier, userProperties. */
  properties?: Properties;
}

export interface ISubscriptionGrant {
  topic: string;
  /** The granted QoS, or a failure reason code (>= 0x80). */
  qos: number;
}

export interface ConnackPacket {
  cmd: 'connack';
  sessionPresent: boolean;
  /** 5.0 */
  reasonCode?: number;
  /** 3.1.1 */
  returnCode?: number;
  properties?: Properties;
}

export interface PublishPacket {
  cmd: 'publish';
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  dup: boolean;
  properties?: Properties;
}

/** Any packet in mqtt-packet's shape (as the codec's decode() returns it). */
export interface Packet {
  cmd: string;
  [field: string]: unknown;
}

export type ErrorKind =
  | 'invalid_url' | 'mixed_content' | 'invalid_option'
  | 'unreachable' | 'worker_failed' | 'transport_closed' | 'connect_timeout' | 'keepalive_timeout'
  | 'connection_refused' | 'server_disconnect' | 'publish_rejected'
  | 'subscribe_refused' | 'unsubscribe_refused'
  | 'malformed_packet' | 'protocol_error' | 'auth_failed'
  | 'invalid_topic' | 'invalid_filter' | 'queue_full' | 'packet_too_large'
  | 'qos_not_supported' | 'retain_not_supported' | 'packet_ids_exhausted'
  | 'not_connected' | 'encode' | 'gave_up' | 'ended';

/** Every error the client reports or rejects with. */
export interface MqttError extends Error {
  /** What went wrong, for programs. */
  kind: ErrorKind;
  /** The MQTT reason code (5.0) or CONNACK return code (3.1.1), when there is one. */
  reasonCode?: number;
  /** Same as reasonCode (MQTT.js puts CONNACK return codes in `code`). */
  code?: number;
  /** On subscribe refusals: every filter with its granted QoS or failure code. */
  granted?: ISubscriptionGrant[];
}

export interface MqttClientEvents {
  connect: (connack: ConnackPacket) => void;
  /**
   * `payload` (and `bytes`) are views into the bytes of one received batch, as
   * MQTT.js's Buffers are slices of a socket chunk: copy them to keep them long.
   * `bytes` (the whole PUBLISH) only with the `messageBytes` option.
   */
  message: (topic: string, payload: Uint8Array, packet: PublishPacket, bytes?: Uint8Array) => void;
  packetsend: (packet: Packet, bytes: Uint8Array) => void;
  packetreceive: (packet: Packet, bytes: Uint8Array) => void;
  /** A reconnection attempt starts. */
  reconnect: () => void;
  /** The client was connected and is not anymore. */
  offline: () => void;
  /** The WebSocket closed (or could not open). */
  close: () => void;
  error: (error: MqttError) => void;
  /** After end(). */
  end: () => void;
}

export class MqttClient {
  constructor(url: string, options?: ClientOptions);
  readonly options: ClientOptions;
  /** CONNACK accepted the connection and it is up. */
  readonly connected: boolean;
  /** Waiting to reconnect, or reconnecting. */
  readonly reconnecting: boolean;
  /** end() was called, or the client stopped for good (bad URL, refused credentials, gave up). */
  readonly disconnected: boolean;
  readonly clientId: string;
  readonly url: string;
  readonly protocolVersion: 3 | 4 | 5;
  /** QoS 1/2 messages awaiting acknowledgement. */
  readonly inflight: number;
  /** Messages waiting for the connection or for room in the server's window. */
  readonly queued: number;

  on<E extends keyof MqttClientEvents>(event: E, listener: MqttClientEvents[E]): this;
  addListener<E extends keyof MqttClientEvents>(event: E, listener: MqttClientEvents[E]): this;
  once<E extends keyof MqttClientEvents>(event: E, listener: MqttClientEvents[E]): this;
  off<E extends keyof MqttClientEvents>(event: E, listener: MqttClientEvents[E]): this;
  removeListener<E extends keyof MqttClientEvents>(event: E, listener: MqttClientEvents[E]): this;
  removeAllListeners(event?: keyof MqttClientEvents): this;
  listenerCount(event: keyof MqttClientEvents): number;
  emit<E extends keyof MqttClientEvents>(event: E, ...args: Parameters<MqttClientEvents[E]>): boolean;

  /** Resolves with the server's reason code (0 in 3.1.1) once done for the QoS. */
  publish(topic: string, payload: Payload, options?: PublishOptions,
    callback?: (err: MqttError | null, reasonCode?: number) => void): Promise<number>;
  /** Resolves with the grants; rejects (MqttError with `granted`) if any filter was refused. */
  subscribe(filters: string | Array<string | ({ topic: string } & SubscribeOptions)>
    | Record<string, SubscribeOptions | QoS>, options?: SubscribeOptions,
    callback?: (err: MqttError | null, granted?: ISubscriptionGrant[]) => void): Promise<ISubscriptionGrant[]>;
  /** Resolves with one reason code per filter (all 0 in 3.1.1). */
  unsubscribe(filters: string | string[], options?: { properties?: Properties },
    callback?: (err: MqttError | null, codes?: number[]) => void): Promise<number[]>;
  /** DISCONNECT (with `reasonCode`, 5.0) and stop; without `force`, waits for messages in flight first. */
  end(force?: boolean, options?: { reasonCode?: number }, callback?: (err?: Error | null) => void): Promise<void>;
  /** Connects again after end(), or reconnects now while waiting to reconnect. */
  reconnect(): this;
  /** Closes the WebSocket without DISCONNECT, like a network failure (the server publishes the Will). */
  dropTransport(): void;
}

/** Connects to `url` (ws:// or wss://). Throws for invalid options; a bad URL is an 'error' event. */
export function connect(url: string, options?: ClientOptions): MqttClient;
export function connect(options: ClientOptions & { href: string }): MqttClient;
/** Resolves once connected; rejects with the first error (and ends the client). */
export function connectAsync(url: string, options?: ClientOptions): Promise<MqttClient>;
/** Returns the URL normalised, or throws the MqttError connect() would report. */
export function checkBrokerUrl(url: string): string;

declare const _default: {
  connect: typeof connect;
  connectAsync: typeof connectAsync;
  MqttClient: typeof MqttClient;
  checkBrokerUrl: typeof checkBrokerUrl;
};
export default _default;
