"""``booklet studio``: write a booklet and see it as a reader will, rebuilt on every save."""
from __future__ import annotations

import sys
from pathlib import Path

from booklet.errors import BookletError

LOCAL = ("127.0.0.1", "localhost", "::1")


def add_parser(sub) -> None:
    parser = sub.add_parser("studio", help="a live reader for authors: rebuilds and checks on every save",
                            description="Serve a local studio: the booklet in a reading system (foliate-js) at "
                                        "iPad size, rebuilt in place on every save, with build errors over the "
                                        "page and EPUBCheck and lint findings beside it. See docs/studio.md.")
    parser.add_argument("slug", metavar="SLUG", nargs="?", help="the booklet to open first (default: all, the first)")
    parser.add_argument("--root", type=Path, default=Path("."), help="booklet root (default: .)")
    parser.add_argument("--port", type=int, default=8765, help="port, 1 to 65535 (default: 8765)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: 127.0.0.1; anything else lets others on the "
                             "network read your booklet)")
    parser.add_argument("--open", action="store_true", help="open the studio in the web browser")
    parser.add_argument("--no-check", dest="check", action="store_false",
                        help="do not run EPUBCheck and the lint after each rebuild")
    parser.set_defaults(run=run)


def run(args) -> int:
    from booklet.publish.web import WebServer, bind, check_port
    from booklet.read.reader import find_slugs
    from booklet.studio.app import make_app
    from booklet.studio.session import Studio
    from booklet.studio.watch import start_watching

    check_port(args.port)
    root = args.root.resolve()
    slugs = find_slugs(root)
    if args.slug is not None:
        if args.slug not in slugs:
            raise BookletError(f"no booklet {args.slug!r} here", root / "chapters" / args.slug,
                               hint="choose one of: " + ", ".join(slugs) if slugs else "make one with booklet new")
        slugs = [args.slug] + [s for s in slugs if s != args.slug]
    if not slugs:
        raise BookletError("no booklets found", root / "chapters", hint="make one with `booklet new SLUG`")
    if args.host not in LOCAL:
        print(f"warning: listening on {args.host}: anyone who can reach this address can read your booklets "
              "in progress; use the default 127.0.0.1 unless you mean it", file=sys.stderr)
    sock = bind(args.host, args.port)
    studio = Studio(root, slugs, validate=args.check)
    try:
        return _serve(studio, sock, args, make_app, WebServer, start_watching)
    finally:
        studio.close()


def _serve(studio, sock, args, make_app, WebServer, start_watching) -> int:
    port = sock.getsockname()[1]
    from booklet.publish.serve import server_urls

    url = server_urls(args.host, port)[0] + f"read/{studio.slugs[0]}/"
    print(f"building {', '.join(studio.slugs)}…", file=sys.stderr, flush=True)
    studio.rebuild()
    stop = start_watching(studio)
    server = WebServer(make_app(studio, args.host, port), sock)
    print(f"booklet studio: {url}\nsave a chapter, a figure or a template and the page follows; "
          "press Ctrl-C to stop", flush=True)
    if args.open:
        import webbrowser

        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
    print("stopped", file=sys.stderr)
    return 0
