"""Run EPUBCheck in-process through JPype, speaking the protocol of ``booklet/java/Launcher.java``.

Started as a script in its own Python process (a JVM can be started only once per
process, and never again after it is shut down), so it imports nothing from booklet:

    python jpype_worker.py <libjvm or ""> <epubcheck.jar> <outdir> [JVM option ...]

Reads ``<outdir>/list.txt``, writes ``<outdir>/<i>.json`` and ``<i>.log`` and prints
``BOOKLET-EPUBCHECK <i> <nanoseconds> <exit code>`` per EPUB, then ``BOOKLET-EPUBCHECK-END``.
Useful where there is a Java runtime but no compiler (a JRE only).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print("usage: jpype_worker.py <libjvm> <jar> <outdir> [JVM option ...]", file=sys.stderr)
        return 2
    libjvm, jar, outdir, options = argv[0], argv[1], Path(argv[2]), argv[3:]
    import jpype   # noqa: PLC0415 (only in the worker process)

    jpype.startJVM(libjvm or jpype.getDefaultJVMPath(), *options, classpath=[jar],
                   convertStrings=True)
    System = jpype.JClass("java.lang.System")
    PrintStream = jpype.JClass("java.io.PrintStream")
    Buffer = jpype.JClass("java.io.ByteArrayOutputStream")
    Checker = jpype.JClass("com.adobe.epubcheck.tool.EpubChecker")
    real_out, real_err = System.out, System.err
    epubs = [line for line in (outdir / "list.txt").read_text(encoding="utf-8").splitlines() if line]
    for index, epub in enumerate(epubs):
        buffer = Buffer()
        capture = PrintStream(buffer, True, "UTF-8")
        System.setOut(capture)
        System.setErr(capture)
        started = time.perf_counter_ns()
        try:
            rc = int(Checker().run([epub, "--json", str(outdir / f"{index}.json"), "-q"]))
        except Exception as exc:   # a Java exception or a JPype conversion problem
            capture.println(f"{type(exc).__name__}: {exc}")
            rc = -1
        finally:
            System.setOut(real_out)
            System.setErr(real_err)
        nanos = time.perf_counter_ns() - started
        capture.flush()
        (outdir / f"{index}.log").write_bytes(bytes(buffer.toByteArray()))
        print(f"BOOKLET-EPUBCHECK {index} {nanos} {rc}", flush=True)
    print("BOOKLET-EPUBCHECK-END", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
