"""paho's client with a reading side fit for a consumer that keeps up with the broker.

paho reads a packet with three or four ``recv`` calls (the type byte, each length byte, the
rest), goes back to ``select`` after every single packet when nothing of its own is in flight,
and builds a message object with its MQTT 5 properties for each PUBLISH, handed over one at a
time. At ten thousand messages a second that is most of a consumer's time. :class:`BusClient`
changes the reading and nothing else (connecting, keep-alive, writing and paho's state machine
stay paho's own):

- the socket is read in chunks of up to 64 KiB; a PUBLISH wholly inside the chunk is taken from
  it directly, anything else (a packet cut by the chunk's end, every other packet type) goes
  through paho's own reading, served from the chunk;
- one wake-up reads a run of packets (at least :data:`READ_RUN`, and whatever the chunk still
  holds, so nothing read waits on the socket becoming readable again);
- the QoS 0 and 1 PUBLISH packets of a run go to ``on_deliveries`` together, as
  ``(topic, payload, qos, retain, dup, mid)``, before any other packet is handled (a CONNACK
  must not overtake the messages read before it). Their properties are skipped: MarsY asks for no
  topic aliases (so the broker sends none) and reads no user properties. QoS 2 and MQTT 3.1.1
  take paho's path to ``on_message``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.exception import MalformedPacket

CHUNK = 64 * 1024
"""Bytes asked of the socket at once."""
READ_RUN = 500
"""Packets read in one wake-up of the network thread before it looks at its writes again."""
_PUBLISH = 0x30

Arrival = tuple[str, bytes, int, bool, bool, int]
"""``(topic, payload, qos, retain, dup, mid)`` of one incoming QoS 0 or 1 PUBLISH."""
OnDeliveries = Callable[[list[Arrival]], None]


def parse_publish(header: int, body: bytes | bytearray, start: int, end: int) -> Arrival:
    """A QoS 0 or 1 MQTT 5 PUBLISH whose variable header and payload are ``body[start:end]``."""
    try:
        pos = start + 2 + ((body[start] << 8) | body[start + 1])
        topic = body[start + 2 : pos].decode()
        qos = (header & 0x06) >> 1
        mid = 0
        if qos:
            mid = (body[pos] << 8) | body[pos + 1]
            pos += 2
        length, shift = 0, 0
        while True:  # the properties' length, a variable byte integer
            byte = body[pos]
            pos += 1
            length |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
            if shift > 21:
                raise MalformedPacket("PUBLISH: properties length longer than 4 bytes")
    except (IndexError, UnicodeDecodeError) as exc:
        raise MalformedPacket(f"PUBLISH: {exc}") from exc
    pos += length
    if not topic or pos > end:
        raise MalformedPacket("PUBLISH without a topic, or shorter than its properties")
    return topic, bytes(body[pos:end]), qos, bool(header & 0x01), bool(header & 0x08), mid


class BusClient(paho.Client):
    """A paho client that reads in chunks and hands runs of PUBLISH packets over at once."""

    def __init__(self, *args: Any, on_deliveries: OnDeliveries, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._on_deliveries = on_deliveries
        self._arrived: list[Arrival] = []
        self._chunk = b""
        self._chunk_pos = 0
        self._chunk_sock: object = None

    # --- the socket, read in chunks -----------------------------------------------------------

    def _buffered(self) -> bool:
        return self._chunk_sock is self._sock and self._chunk_pos < len(self._chunk)

    def _sock_recv(self, bufsize: int) -> bytes:
        sock = self._sock
        if self._chunk_sock is not sock:  # a new connection: nothing of the old one is kept
            self._chunk_sock, self._chunk, self._chunk_pos = sock, b"", 0
        pos = self._chunk_pos
        if pos < len(self._chunk):
            end = pos + bufsize
            self._chunk_pos = end
            return self._chunk[pos:end]
        data = super()._sock_recv(max(bufsize, CHUNK))  # raises as paho's would
        if data:  # what paho's keep-alive goes by, as it would note it for a packet read
            with self._msgtime_mutex:
                self._last_bytes_received = paho.time_func()
        if len(data) <= bufsize:
            self._chunk, self._chunk_pos = b"", 0
            return data
        self._chunk, self._chunk_pos = data, bufsize
        return data[:bufsize]

    # --- a run of packets per wake-up ---------------------------------------------------------

    def loop_read(self, max_packets: int = 1) -> MQTTErrorCode:
        try:
            return self._read_run()
        finally:
            self._hand_over()

    def _read_run(self) -> MQTTErrorCode:
        read = 0
        while True:
            if self._sock is None:
                return MQTTErrorCode.MQTT_ERR_NO_CONN
            if read >= READ_RUN and not self._buffered():
                return MQTTErrorCode.MQTT_ERR_SUCCESS
            read += 1
            try:
                if self._in_packet["command"] == 0 and self._whole_publish():
                    continue
            except MalformedPacket:
                return self._loop_rc_handle(MQTTErrorCode.MQTT_ERR_PROTOCOL)
            rc = self._packet_read()
            if rc > 0:
                return self._loop_rc_handle(rc)
            if rc == MQTTErrorCode.MQTT_ERR_AGAIN:
                return MQTTErrorCode.MQTT_ERR_SUCCESS

    def _whole_publish(self) -> bool:
        """Take a QoS 0/1 PUBLISH lying wholly in the chunk; ``False`` (nothing taken) for
        anything else."""
        chunk, pos = self._chunk, self._chunk_pos
        if self._chunk_sock is not self._sock or pos >= len(chunk):
            return False
        header = chunk[pos]
        if header & 0xF0 != _PUBLISH or header & 0x06 == 0x06 or header & 0x06 == 0x04:
            return False
        if self._protocol != MQTTProtocolVersion.MQTTv5:
            return False
        length, shift, at = 0, 0, pos + 1
        while True:
            if at >= len(chunk) or shift > 21:
                return False  # cut by the chunk's end (or malformed: paho says which)
            byte = chunk[at]
            at += 1
            length |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if at + length > len(chunk):
            return False
        arrival = parse_publish(header, chunk, at, at + length)
        self._chunk_pos = at + length
        self._arrived.append(arrival)
        if arrival[2] and not self._manual_ack:
            self._send_puback(arrival[5])
        return True

    def _hand_over(self) -> None:
        if self._arrived:
            arrived, self._arrived = self._arrived, []
            self._on_deliveries(arrived)

    # --- packets read by paho -----------------------------------------------------------------

    def _packet_handle(self) -> MQTTErrorCode:
        if self._in_packet["command"] & 0xF0 != _PUBLISH:
            self._hand_over()  # what came before a CONNACK or a DISCONNECT goes first
        return super()._packet_handle()

    def _handle_publish(self) -> MQTTErrorCode:
        header = self._in_packet["command"]
        if header & 0x06 in (0x04, 0x06) or self._protocol != MQTTProtocolVersion.MQTTv5:
            return super()._handle_publish()
        body = self._in_packet["packet"]
        arrival = parse_publish(header, body, 0, len(body))
        self._arrived.append(arrival)
        if arrival[2] and not self._manual_ack:
            return self._send_puback(arrival[5])
        return MQTTErrorCode.MQTT_ERR_SUCCESS
