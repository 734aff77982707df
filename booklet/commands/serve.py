"""``booklet serve``: serve the built booklets and their catalog to tablets on the local network."""
from __future__ import annotations

import sys
from pathlib import Path

from booklet.errors import BookletError


def add_parser(sub) -> None:
    parser = sub.add_parser("serve", help="serve the output folder so a tablet can download the booklets")
    parser.add_argument("--root", type=Path, default=Path("."), help="booklet root (default: .)")
    parser.add_argument("--out", type=Path, help="output folder (default: ROOT/dist)")
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (default: 0.0.0.0, all)")
    parser.add_argument("--port", type=int, default=8000, help="port, 1 to 65535 (default: 8000)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from booklet.publish.serve import make_server, server_urls
    from booklet.publish.web import check_port

    check_port(args.port)
    out = args.out or args.root / "dist"
    if not (out / "index.html").is_file():
        _build_first(args.root, out)
    server = make_server(out, args.host, args.port)
    port = server.server_address[1]
    print(f"serving {out}; open one of these on a tablet on the same network:")
    for url in server_urls(args.host, port):
        print(f"  {url}")
    print("press Ctrl-C to stop", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        server.server_close()
    return 0


def _build_first(root: Path, out: Path) -> None:
    """Build every booklet when there is no catalog yet, so there is something to serve."""
    from booklet.commands.build import report
    from booklet.pipeline import BuildOptions, build

    print(f"no {out / 'index.html'} yet: building first", file=sys.stderr)
    report(build(BuildOptions(root=root, out=out)))
    if not (out / "index.html").is_file():
        raise BookletError("the build wrote no catalog to serve", out, hint="see the errors above")
