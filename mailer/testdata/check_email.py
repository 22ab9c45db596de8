"""Parse RFC 5322 messages with Python's email package (policy.default) and
report what a mail client would see, as one JSON object per file."""
import email
import json
import sys
from email import policy


def check(path):
    with open(path, "rb") as f:
        raw = f.read()
    msg = email.message_from_bytes(raw, policy=policy.default)
    defects = [repr(d) for d in msg.defects]
    parts = []
    for part in msg.walk():
        defects += [repr(d) for d in part.defects]
        if part.is_multipart():
            parts.append({"type": part.get_content_type()})
            continue
        parts.append({
            "type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "cte": part.get("Content-Transfer-Encoding", ""),
            "content": part.get_content(),
        })
    headers = {}
    for k, v in msg.items():
        headers.setdefault(k.lower(), []).append(str(v))
        defects += [repr(d) for d in getattr(v, "defects", ())]
    frm = msg["From"]
    to = msg["To"]
    return {
        "defects": defects,
        "subject": str(msg["Subject"]),
        "from_name": frm.addresses[0].display_name if frm else "",
        "from_addr": frm.addresses[0].addr_spec if frm else "",
        "to_name": to.addresses[0].display_name if to else "",
        "to_addr": to.addresses[0].addr_spec if to else "",
        "headers": headers,
        "parts": parts,
        "max_line": max(len(l) for l in raw.split(b"\r\n")),
        "bare_lf": raw.replace(b"\r\n", b"").count(b"\n"),
    }


for p in sys.argv[1:]:
    print(json.dumps(check(p), ensure_ascii=False))
