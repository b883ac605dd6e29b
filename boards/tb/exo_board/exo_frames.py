"""An independent model of the frames the board test sends and checks: the Exo network frame
(docs/protocol.md §2), the host link frame (docs/host_link.md) and the engine's records
(docs/engine.md), written from the documents' byte tables with Python's struct module. Nothing
here is generated from the Rust definitions it checks.
"""

import struct

ETHERTYPE_EXO = 0x88B5
ETHERTYPE_HOST_LINK = 0x88B6
BROADCAST = b"\xff" * 6
MIN_FRAME = 60

# Host link op codes and status codes (docs/host_link.md).
POST, WRITE, READ = 0x01, 0x02, 0x03
RECORD, WRITE_REPLY, READ_REPLY, ERROR = 0x80, 0x82, 0x83, 0xFF
OK, TRUNCATED, BAD_COUNT, BAD_ADDRESS, QUEUE_FULL, UNKNOWN_OP, BAD_VERSION = range(7)

# Registers (docs/engine.md's register map; the board's from docs/host_link.md).
SET_TOKEN_TIMEOUT = 0x09
STATUS, EPOCH, SEQ_LO, SEQ_HI, AGREED_LO, TURN = 0x10, 0x11, 0x12, 0x13, 0x16, 0x18
PARAMS, CLUSTER, POSTS_ACCEPTED, TOKEN_TIMEOUT, QUEUE_DEPTH = 0x1F, 0x20, 0x21, 0x1E, 0x1D
COUNTER_ACCEPTED = 0x40
BOARD = {
    "host-rx-frames": 0x80,
    "host-rx-foreign": 0x81,
    "posts-forwarded": 0x84,
    "posts-refused": 0x85,
    "error-replies": 0x86,
    "records-sent": 0x87,
    "exo-rx-frames": 0x89,
    "exo-rx-bad": 0x8A,
    "exo-tx-frames": 0x8C,
}
IDENT_ADDR, IDENT = 0xFF, 0x45584F01

ANOMALY_TOKEN_LOST = 5


def host_mac(cluster, host):
    return bytes([0x02, 0x45, 0x58]) + struct.pack(">HB", cluster, host)


def pad(frame):
    return frame + bytes(max(0, MIN_FRAME - len(frame)))


def exo_frame(cluster, epoch, sender, seq, history, payload=b""):
    """An Exo network message: header, history (newest first), payload, padding."""
    header = BROADCAST + host_mac(cluster, sender) + struct.pack(
        ">HBBHIBBQH", ETHERTYPE_EXO, 1, 0, cluster, epoch, sender, len(history), seq, len(payload)
    )
    return pad(header + bytes(history) + payload)


def parse_exo_frame(frame):
    """(cluster, epoch, sender, seq, history, payload) of an Exo network message."""
    assert frame[:6] == BROADCAST, frame[:6].hex()
    ethertype, version, kind, cluster, epoch, sender, hist_len, seq, pay_len = struct.unpack(
        ">HBBHIBBQH", frame[12:34]
    )
    assert (ethertype, version, kind) == (ETHERTYPE_EXO, 1, 0), (ethertype, version, kind)
    history = list(frame[34 : 34 + hist_len])
    payload = frame[34 + hist_len : 34 + hist_len + pay_len]
    assert len(frame) == max(MIN_FRAME, 34 + hist_len + pay_len), "no trailing bytes"
    return cluster, epoch, sender, seq, history, payload


def request(src, op, tag, body, dst=BROADCAST, ethertype=ETHERTYPE_HOST_LINK, version=1):
    """A host link frame: dst, src, EtherType, version, op, tag, body, padding."""
    return pad(dst + src + struct.pack(">HBBH", ethertype, version, op, tag) + body)


def post(src, tag, payload):
    return request(src, POST, tag, struct.pack(">H", len(payload)) + payload)


def write(src, tag, writes):
    body = bytes([len(writes)]) + b"".join(struct.pack(">BI", a, v) for a, v in writes)
    return request(src, WRITE, tag, body)


def read(src, tag, addrs):
    return request(src, READ, tag, bytes([len(addrs)]) + bytes(addrs))


def parse_reply(frame):
    """(dst, src, op, tag, body) of a frame from the engine; the body keeps its padding."""
    ethertype, version, op, tag = struct.unpack(">HBBH", frame[12:18])
    assert ethertype == ETHERTYPE_HOST_LINK and version == 1, (hex(ethertype), version)
    return frame[0:6], frame[6:12], op, tag, frame[18:]


def parse_read_reply(body):
    """{addr: value} of a READ_REPLY body, in order."""
    count = body[0]
    values = [struct.unpack(">BI", body[1 + 5 * i : 6 + 5 * i]) for i in range(count)]
    return values


def parse_record(body):
    """One record of the engine's record stream (docs/engine.md), padding removed."""
    kind = body[0]
    if kind == 1:
        seq, epoch, sender, agreed, length = struct.unpack(">QIBQH", body[1:24])
        return {
            "kind": "entry",
            "seq": seq,
            "epoch": epoch,
            "sender": sender,
            "agreed": agreed,
            "payload": bytes(body[24 : 24 + length]),
        }
    if kind == 2:
        return {"kind": "agreed", "agreed": struct.unpack(">Q", body[1:9])[0]}
    if kind == 3:
        anomaly, flags, local_seq, frame_seq, sender = struct.unpack(">BBQQB", body[1:20])
        return {
            "kind": "anomaly",
            "anomaly": anomaly,
            "about_frame": bool(flags & 1),
            "local_seq": local_seq,
        }
    raise AssertionError(f"unknown record kind {kind}")
