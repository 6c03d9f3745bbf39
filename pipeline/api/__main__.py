"""``python -m pipeline.api``: serve the research API with uvicorn (127.0.0.1:8000 by default)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from pipeline.paths import default_tracking_uri


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Host, port and MLflow tracking URI (flag > MLFLOW_TRACKING_URI > the embedded store)."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.api", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 = any free)")
    parser.add_argument(
        "--tracking-uri",
        default=None,
        help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI or outputs/mlflow.db)",
    )
    parser.add_argument("--log-level", default="info", help="uvicorn log level (default info)")
    parser.add_argument(
        "--no-access-log", action="store_true", help="do not log every request (benchmarks)"
    )
    parser.add_argument(
        "--write-openapi",
        metavar="PATH",
        default=None,
        help="write the OpenAPI schema to PATH and exit (the dashboard's types are made from it)",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port={args.port}: must be in [0, 65535]")
    return args


def main(argv: list[str] | None = None) -> int:
    """Build the app for the chosen store and run it until interrupted."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.write_openapi:
        from pipeline.api.app import create_app as build

        schema = build().openapi()
        Path(args.write_openapi).write_text(json.dumps(schema, indent=1) + "\n", encoding="utf-8")
        return 0
    # A down MLflow server should fail requests in seconds, not after minutes of retries.
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
    import uvicorn

    from pipeline.api.app import create_app
    from pipeline.api.settings import Settings

    settings = Settings(tracking_uri=args.tracking_uri or default_tracking_uri())
    print(
        f"The Thinking Market API on http://{args.host}:{args.port} (docs at /docs); "
        f"MLflow store: {settings.tracking_uri}",
        flush=True,
    )
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=not args.no_access_log,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
