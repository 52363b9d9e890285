"""The rules database a WeMo keeps (a zipped SQLite file), as FetchRules/StoreRules move it.

The device answers FetchRules with the database's version and a URL to download it from, and
takes a new one through StoreRules as base64(zip(sqlite)) inside an escaped CDATA section.
Long presses go to the devices listed as targets of its enabled "Long Press" rule.
"""

from __future__ import annotations

import base64
import binascii
import html
import io
from pathlib import Path
import re
import sqlite3
import tempfile
import zipfile

RULE_DB_BODY = re.compile(r"<ruleDbBody>(?P<body>.*?)</ruleDbBody>", re.S)


class BadRulesBody(ValueError):
    """StoreRules carried something that is not a zipped SQLite rules database."""


def unpack_store_body(soap_body: str) -> bytes:
    """The zip inside a StoreRules request (the argument is `&lt;![CDATA[<base64>]]&gt;`)."""
    match = RULE_DB_BODY.search(soap_body)
    if not match:
        raise BadRulesBody("no ruleDbBody")
    text = html.unescape(match["body"]).strip()
    text = text.removeprefix("<![CDATA[").removesuffix("]]>")
    try:
        packed = base64.b64decode(text, validate=True)
        with zipfile.ZipFile(io.BytesIO(packed)) as archive:
            if not archive.namelist():
                raise BadRulesBody("empty zip")
    except (binascii.Error, zipfile.BadZipFile) as err:
        raise BadRulesBody(str(err)) from err
    return packed


def long_press_targets(packed: bytes | None, device_udn: str) -> set[str]:
    """UDNs a long press on this device acts on: targets of its enabled Long Press rules."""
    if packed is None:
        return set()
    with zipfile.ZipFile(io.BytesIO(packed)) as archive:
        database = archive.read(archive.namelist()[0])
    with tempfile.TemporaryDirectory(prefix="simrules_") as folder:
        path = Path(folder, "rules.db")
        path.write_bytes(database)
        connection = sqlite3.connect(path)
        try:
            rows = connection.execute(
                "SELECT TARGETDEVICES.DeviceID FROM RULES "
                "JOIN RULEDEVICES ON RULEDEVICES.RuleID = RULES.RuleID "
                "JOIN TARGETDEVICES ON TARGETDEVICES.RuleID = RULES.RuleID "
                "WHERE RULES.Type = 'Long Press' AND RULES.State = '1' "
                "AND RULEDEVICES.DeviceID = ?",
                (device_udn,),
            ).fetchall()
        except sqlite3.Error:
            return set()  # a database without these tables has no long-press rule
        finally:
            connection.close()
    return {row[0] for row in rows}
