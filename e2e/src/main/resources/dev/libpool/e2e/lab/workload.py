"""Python part of the test guests' workload: import the standard library's extension modules (each
loads its own shared libraries), use each one so its code pages are touched, then stay alive."""
import asyncio, bz2, csv, ctypes, curses, dbm, decimal, hashlib, json, lzma, mmap, multiprocessing  # noqa: E401
import readline, resource, select, signal, socket, sqlite3, ssl, sys, termios, unicodedata, uuid, zlib  # noqa
import xml.etree.ElementTree as ElementTree
import zoneinfo  # noqa: F401

hashlib.sha256(b"x" * 1000000).hexdigest()
hashlib.blake2b(b"x" * 100000).hexdigest()
ssl.create_default_context()
db = sqlite3.connect(":memory:")
db.execute("create table t(a integer)")
db.executemany("insert into t values (?)", [(i,) for i in range(2000)])
db.execute("select sum(a) from t").fetchone()
lzma.decompress(lzma.compress(b"y" * 200000))
bz2.decompress(bz2.compress(b"z" * 200000))
zlib.decompress(zlib.compress(b"w" * 200000))
decimal.Decimal(1) / decimal.Decimal(7)
ElementTree.fromstring("<a><b c='d'/></a>")
"\u3042".encode("shift_jis"), "\u4e2d".encode("gb18030"), "\ud55c".encode("euc_kr")
unicodedata.normalize("NFD", "\u00e9" * 100)
json.loads(json.dumps({"k": list(range(100))}))
ctypes.CDLL(None)
uuid.uuid4()
open(sys.argv[1], "w").close()
while True:
    signal.pause()
