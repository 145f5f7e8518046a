"""Reads user data as cloud-init does and prints what it makes of it, as JSON (tests only).

Uses cloud-init's own code (PYTHONPATH = an extracted cloud-init package): UserDataProcessor splits
and types the MIME parts, CloudConfigPartHandler merges the cloud-config parts (merge_how). Prints
{"config": <merged cloud-config>, "parts": [{"type": ..., "payload": ...}, ...]} for the other parts.
"""
import json
import os
import sys
import tempfile

import yaml
from cloudinit import handlers, user_data
from cloudinit.handlers import cloud_config
from cloudinit.settings import PER_INSTANCE


class Paths:
    """The few cloud-init paths the processor and the handler ask for, in a temporary directory."""

    def __init__(self, directory):
        self.directory = directory

    def get_ipath(self, name=None):
        return os.path.join(self.directory, name or "")

    get_ipath_cur = get_ipath
    get_cpath = get_ipath


def main(path):
    with open(path, "rb") as f:
        blob = f.read()
    paths = Paths(tempfile.mkdtemp())
    message = user_data.UserDataProcessor(paths).process(blob)
    handler = cloud_config.CloudConfigPartHandler(paths)
    handler.handle_part(None, handlers.CONTENT_START, None, None, None, None)
    parts = []
    for part in message.walk():
        if part.get_content_maintype() == "multipart":
            continue
        payload = part.get_payload(decode=True).decode("utf-8")
        if not payload:
            continue  # empty user data: no handler acts on it
        if part.get_content_type() == "text/cloud-config":
            handler.handle_part(None, "text/cloud-config", part.get_filename(), payload, PER_INSTANCE,
                                dict(part.items()))
        else:
            parts.append({"type": part.get_content_type(), "payload": payload})
    handler.handle_part(None, handlers.CONTENT_END, None, None, None, None)
    merged = paths.get_ipath("cloud_config")
    config = {}
    if os.path.exists(merged):
        with open(merged) as f:
            config = yaml.safe_load(f) or {}
    print(json.dumps({"config": config, "parts": parts}))


if __name__ == "__main__":
    main(sys.argv[1])
