#!/usr/bin/env python3
"""A paho-mqtt (2.2) peer for tests/node/interop_broker.test.mjs.

Runs one scenario against a broker and prints one JSON line on stdout: the
messages received, in order, as {"topic", "payload", "qos", "retain"}, plus
what the scenario observed ("session_present" for the session scenario).

    paho_client.py MODE --port P [--host H] [--transport tcp|websockets]
                   [--version 3|5] [--qos Q] [--topic T] [--count N] [--id CLIENT_ID]

MODE:
  pubsub    a subscriber and a publisher; N messages at QoS Q
  retained  a retained message reaches a late subscriber, then an empty
            retained publish clears it (a third subscriber gets nothing)
  session   a subscriber with a persistent session disconnects; N messages
            published at QoS Q meanwhile arrive when it reconnects
"""

import argparse
import json
import sys
import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

TIMEOUT = 5.0


class Peer:
    """One paho client with its received messages and a few waitable events."""

    def __init__(self, args, client_id="", clean=True):
        self.args = args
        self.v5 = args.version == 5
        self.messages = []
        self.cond = threading.Condition()
        self.connack = None
        self.subacked = threading.Event()
        kwargs = {}
        if not self.v5:
            kwargs["clean_session"] = clean
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5 if self.v5 else mqtt.MQTTv311,
            transport=args.transport,
            **kwargs,
        )
        if args.transport == "websockets":
            self.client.ws_set_options(path="/mqtt")
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *a: self.subacked.set()
        self.clean = clean

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        with self.cond:
            self.connack = (bool(flags.session_present), int(reason_code.value))
            self.cond.notify_all()

    def _on_message(self, client, userdata, msg):
        with self.cond:
            self.messages.append(
                {
                    "topic": msg.topic,
                    "payload": msg.payload.decode("utf-8", "replace"),
                    "qos": msg.qos,
                    "retain": bool(msg.retain),
                }
            )
            self.cond.notify_all()

    def connect(self):
        kwargs = {}
        if self.v5:
            kwargs["clean_start"] = self.clean
            if not self.clean:
                props = Properties(PacketTypes.CONNECT)
                props.SessionExpiryInterval = 300
                kwargs["properties"] = props
        self.client.connect(self.args.host, self.args.port, keepalive=30, **kwargs)
        self.client.loop_start()
        with self.cond:
            if not self.cond.wait_for(lambda: self.connack is not None, TIMEOUT):
                sys.exit("no CONNACK")
        if self.connack[1] != 0:
            sys.exit(f"CONNACK refused: {self.connack[1]}")
        return self

    def subscribe(self, topic, qos):
        self.subacked.clear()
        self.client.subscribe(topic, qos)
        if not self.subacked.wait(TIMEOUT):
            sys.exit("no SUBACK")

    def publish(self, topic, payload, qos, retain=False):
        info = self.client.publish(topic, payload, qos, retain)
        info.wait_for_publish(TIMEOUT)

    def wait_for(self, n, timeout=TIMEOUT):
        with self.cond:
            self.cond.wait_for(lambda: len(self.messages) >= n, timeout)
            return list(self.messages)

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


def pubsub(args):
    sub = Peer(args).connect()
    sub.subscribe(args.topic, args.qos)
    pub = Peer(args).connect()
    for i in range(args.count):
        pub.publish(args.topic, f"m{i}", args.qos)
    got = sub.wait_for(args.count)
    pub.close()
    sub.close()
    return {"messages": got}


def retained(args):
    pub = Peer(args).connect()
    pub.publish(args.topic, "kept", args.qos, retain=True)
    late = Peer(args).connect()
    late.subscribe(args.topic, args.qos)
    first = late.wait_for(1)
    # The clearing publish also reaches the subscriber already there.
    pub.publish(args.topic, "", args.qos, retain=True)
    second = late.wait_for(2)
    after = Peer(args).connect()
    after.subscribe(args.topic, args.qos)
    time.sleep(0.3)
    for p in (pub, late, after):
        p.close()
    return {"late": first[:1], "cleared": second[1:], "after_clear": after.messages}


def session(args):
    sub = Peer(args, client_id=args.id, clean=False).connect()
    sub.subscribe(args.topic, args.qos)
    sub.close()
    pub = Peer(args).connect()
    for i in range(args.count):
        pub.publish(args.topic, f"m{i}", args.qos)
    pub.close()
    back = Peer(args, client_id=args.id, clean=False).connect()
    got = back.wait_for(args.count)
    session_present = back.connack[0]
    back.close()
    # Leave nothing behind on the broker: a clean connection ends the session.
    Peer(args, client_id=args.id, clean=True).connect().close()
    return {"session_present": session_present, "messages": got}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["pubsub", "retained", "session"])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--transport", default="tcp", choices=["tcp", "websockets"])
    p.add_argument("--version", type=int, default=5, choices=[3, 5])
    p.add_argument("--qos", type=int, default=1, choices=[0, 1, 2])
    p.add_argument("--topic", default="paho/test")
    p.add_argument("--count", type=int, default=3)
    p.add_argument("--id", default="paho-session")
    args = p.parse_args()
    result = {"pubsub": pubsub, "retained": retained, "session": session}[args.mode](args)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
