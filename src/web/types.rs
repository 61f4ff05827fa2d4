//! TypeScript declarations of the objects the JavaScript API takes and returns,
//! added to the `.d.ts` file that wasm-bindgen writes beside the package.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** 3 = MQTT 3.1, 4 = MQTT 3.1.1, 5 = MQTT 5.0. */
export type ProtocolVersion = 3 | 4 | 5;

export interface CodecOptions {
  /** Default 4 (MQTT 3.1.1), as in mqtt-packet. */
  protocolVersion?: ProtocolVersion;
}

export interface ParserOptions extends CodecOptions {
  /** The largest packet accepted, in bytes; bigger ones are refused from their header. */
  maxPacketSize?: number;
  /** Server side: the first packet must be CONNECT, and it sets the version. */
  server?: boolean;
}

/** User Properties: a repeated name has an array of values. */
export interface UserProperties {
  [name: string]: string | string[];
}

/** MQTT 5.0 properties, with mqtt-packet's camelCase names. */
export interface Properties {
  payloadFormatIndicator?: boolean;
  messageExpiryInterval?: number;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Uint8Array;
  /** One number, or several on a PUBLISH that matched several subscriptions. */
  subscriptionIdentifier?: number | number[];
  sessionExpiryInterval?: number;
  assignedClientIdentifier?: string;
  serverKeepAlive?: number;
  authenticationMethod?: string;
  authenticationData?: Uint8Array;
  requestProblemInformation?: boolean;
  willDelayInterval?: number;
  requestResponseInformation?: boolean;
  responseInformation?: string;
  serverReference?: string;
  reasonString?: string;
  receiveMaximum?: number;
  topicAliasMaximum?: number;
  topicAlias?: number;
  maximumQoS?: 0 | 1;
  retainAvailable?: boolean;
  userProperties?: UserProperties;
  maximumPacketSize?: number;
  wildcardSubscriptionAvailable?: boolean;
  subscriptionIdentifiersAvailable?: boolean;
  sharedSubscriptionAvailable?: boolean;
}

export type QoS = 0 | 1 | 2;

export interface ConnectPacket {
  cmd: 'connect';
  protocolId?: 'MQTT' | 'MQIsdp';
  protocolVersion?: ProtocolVersion;
  clean?: boolean;
  clientId?: string;
  keepalive?: number;
  username?: string;
  password?: Uint8Array | string;
  will?: {
    topic: string;
    payload?: Uint8Array | string;
    qos?: QoS;
    retain?: boolean;
    properties?: Properties;
  };
  properties?: Properties;
}

export interface ConnackPacket {
  cmd: 'connack';
  sessionPresent?: boolean;
  /** MQTT 3.1.1 return code (0 to 5). */
  returnCode?: number;
  /** MQTT 5.0 reason code. */
  reasonCode?: number;
  properties?: Properties;
}

export interface PublishPacket {
  cmd: 'publish';
  topic: string;
  payload?: Uint8Array | string;
  qos?: QoS;
  dup?: boolean;
  retain?: boolean;
  /** Present when qos > 0. */
  messageId?: number;
  properties?: Properties;
}

export interface AckPacket {
  cmd: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp';
  messageId: number;
  reasonCode?: number;
  properties?: Properties;
}

export interface Subscription {
  topic: string;
  qos: QoS;
  /** No Local (5.0). */
  nl?: boolean;
  /** Retain As Published (5.0). */
  rap?: boolean;
  /** Retain Handling (5.0). */
  rh?: 0 | 1 | 2;
}

export interface SubscribePacket {
  cmd: 'subscribe';
  messageId: number;
  subscriptions: Subscription[];
  properties?: Properties;
}

export interface SubackPacket {
  cmd: 'suback';
  messageId: number;
  /** Granted QoS or a failure reason code, one per filter. */
  granted: number[];
  properties?: Properties;
}

export interface UnsubscribePacket {
  cmd: 'unsubscribe';
  messageId: number;
  unsubscriptions: string[];
  properties?: Properties;
}

export interface UnsubackPacket {
  cmd: 'unsuback';
  messageId: number;
  /** Reason codes (5.0 only). */
  granted?: number[];
  properties?: Properties;
}

export interface PingPacket {
  cmd: 'pingreq' | 'pingresp';
}

export interface DisconnectPacket {
  cmd: 'disconnect';
  reasonCode?: number;
  properties?: Properties;
}

export interface AuthPacket {
  cmd: 'auth';
  reasonCode?: number;
  properties?: Properties;
}

export type Packet =
  | ConnectPacket | ConnackPacket | PublishPacket | AckPacket | SubscribePacket | SubackPacket
  | UnsubscribePacket | UnsubackPacket | PingPacket | DisconnectPacket | AuthPacket;

/** One field of a packet, as the decoder read it. */
export interface AnnotatedField {
  /** Offset of the first byte from the start of the packet. */
  start: number;
  /** One past the last byte. */
  end: number;
  name: string;
  value: string;
  /** 0 at the top level, 1 and 2 inside properties. */
  depth: number;
}

export interface Annotation {
  fields: AnnotatedField[];
  length: number;
  packet?: Packet;
  error?: {
    /** Where decoding stopped. */
    offset: number;
    /** The bytes at fault: start..end. */
    start: number;
    end: number;
    message: string;
    reasonCode: number;
    reasonName: string;
    specRef?: string;
  };
}

/** Errors thrown by this package carry the MQTT 5.0 reason code when there is one. */
export interface MqttLabError extends Error {
  reasonCode?: number;
  specRef?: string;
}

/** What Parser.parseBatch returns; www/lib/stream.js reads it. */
export interface Batch {
  count: number;
  index: Uint32Array;
  data: Uint8Array;
  topics: string[];
  topicBase: number;
  others: Packet[];
}
"#;
