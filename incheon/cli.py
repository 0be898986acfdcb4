"""`incheon` command line: serve, seed, ingest, quality, and user / organisation / key administration.

The CLI works on the data directory directly, so it acts as the local administrator ("cli"); every
write still lands in the audit log under that name.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from incheon.errors import HubError
from incheon.hub.auth import Principal
from incheon.settings import Settings

CLI_PRINCIPAL = Principal(user_id="cli", name="cli", sysadmin=True)


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    for key in ("data_dir", "database_url", "host", "port"):
        value = getattr(args, key, None)
        if value is not None:
            overrides[key] = value
    return Settings(**overrides)


def _hub(args: argparse.Namespace) -> Any:
    from incheon.hub.hub import Hub

    settings = _settings(args)
    (settings.data_dir / "tmp").mkdir(parents=True, exist_ok=True)
    return Hub(settings)


def _print(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from incheon.api.app import create_app

    settings = _settings(args)
    if args.seed:
        hub = _hub(args)
        from incheon.seed.loader import seed_all

        seed_all(hub)
        hub.close()
    print(f"인천 데이터허브: http://{settings.host}:{settings.port}/  (API 문서 /docs, CKAN /api/3/action/)")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


def cmd_seed(args: argparse.Namespace) -> None:
    from incheon.seed.loader import seed_all

    hub = _hub(args)
    try:
        result = seed_all(hub)
    finally:
        hub.close()
    print(
        f"{len(result)}개 데이터셋: "
        + ", ".join(
            f"{s} {sum(v == s for v in result.values())}" for s in ("created", "updated", "unchanged")
        )
    )


def cmd_ingest(args: argparse.Namespace) -> None:
    hub = _hub(args)
    try:
        types = json.loads(args.schema) if args.schema and args.schema != "infer" else None
        for file in args.files:
            path = Path(file)
            if not path.is_file():
                raise HubError(f"파일이 없습니다: {file}", f"No such file: {file}")
            staged = hub.stage_upload(
                args.resource,
                path,
                path.name,
                fmt=args.format,
                encoding=args.encoding,
                sheet=args.sheet,
                types=types,
                reinfer=args.schema == "infer",
            )
            try:
                if args.dry_run:
                    _print(
                        {
                            "file": file,
                            "rows": staged.row_count,
                            "schema": staged.schema,
                            "quality": staged.quality,
                        }
                    )
                    continue
                if args.resource:
                    res = hub.catalog.publish_version(CLI_PRINCIPAL, args.resource, staged, path.name)
                else:
                    if not args.dataset:
                        raise HubError(
                            "--dataset 또는 --resource가 필요합니다.", "--dataset or --resource is required."
                        )
                    try:
                        ds = hub.catalog.dataset(args.dataset)
                    except HubError:
                        ds = hub.catalog.create_dataset(
                            CLI_PRINCIPAL,
                            {
                                "name": args.dataset,
                                "title": args.title or args.dataset,
                                "owner_org": args.org,
                            },
                        )
                    res = hub.catalog.publish_version(
                        CLI_PRINCIPAL,
                        None,
                        staged,
                        path.name,
                        new_resource={
                            "package_id": ds["id"],
                            "name": path.stem,
                            "format": staged.source_format.upper(),
                        },
                    )
                print(
                    f"{file}: 리소스 {res['id']} 버전 {res['version']} ({res['rows']}행, 품질 {res['quality_score']})"
                )
            finally:
                staged.cleanup()
    finally:
        hub.close()


def cmd_quality(args: argparse.Namespace) -> None:
    hub = _hub(args)
    try:
        v = hub.catalog.version(args.resource, args.version)
        if args.json:
            _print(v["quality"])
            return
        q = v["quality"]
        print(f"리소스 {args.resource} 버전 {v['version']}: {q['rows']}행, 품질 점수 {q['score']}")
        for part in ("completeness", "validity", "duplicates", "consistency"):
            print(f"  {part:13} {q[part]['score']:.4f}")
        for issue in q["issues"]:
            print(f"  [{issue['severity']}] {issue['message_ko']}")
    finally:
        hub.close()


def cmd_user(args: argparse.Namespace) -> None:
    hub = _hub(args)
    try:
        if args.action == "create":
            hub.auth.create_user(args.name, sysadmin=args.admin, fullname=args.fullname or "", actor="cli")
            print(f"사용자 {args.name} 생성" + (" (관리자)" if args.admin else ""))
        elif args.action == "list":
            _print(hub.auth.list_users())
    finally:
        hub.close()


def cmd_key(args: argparse.Namespace) -> None:
    hub = _hub(args)
    try:
        if args.action == "create":
            key = hub.auth.create_key(args.user, label=args.label or "", actor="cli")
            print(key)
            print(
                "이 키는 다시 볼 수 없습니다. 안전하게 보관하세요. / This key is shown only once.",
                file=sys.stderr,
            )
        elif args.action == "list":
            _print(hub.auth.list_keys(args.user))
        elif args.action == "revoke":
            hub.auth.revoke_key(args.user, actor="cli")
            print("폐기했습니다.")
    finally:
        hub.close()


def cmd_org(args: argparse.Namespace) -> None:
    hub = _hub(args)
    try:
        if args.action == "create":
            org = hub.catalog.create_organization(
                CLI_PRINCIPAL,
                {
                    "name": args.name,
                    "title": args.title,
                    "title_en": args.title_en,
                    "kind": args.kind,
                    "sgg_code": args.sgg_code,
                },
            )
            print(f"기관 {org['name']} ({org['id']})")
        elif args.action == "list":
            for o in hub.catalog.organizations():
                print(f"{o['name']:28} {o['title']} ({o['package_count']})")
        elif args.action == "member":
            org = hub.catalog.organization(args.name)
            hub.auth.set_membership(args.user, org["id"], args.capacity, actor="cli")
            print(f"{args.user} → {org['name']} ({args.capacity})")
    finally:
        hub.close()


def cmd_settings(args: argparse.Namespace) -> None:
    settings = _settings(args)
    for name, value, help_text in settings.describe():
        print(f"{name}={value}\n    {help_text}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="incheon", description="Platform Incheon — 인천 데이터허브")
    p.add_argument("--data-dir", dest="data_dir", type=Path, help="데이터 디렉터리 (INCHEON_DATA_DIR)")
    p.add_argument("--database-url", dest="database_url", help="postgresql://… (기본: 내장 DuckDB)")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="웹 서버 실행 / run the web server")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.add_argument("--seed", action="store_true", help="먼저 기본 데이터를 적재 / seed first")
    s.set_defaults(fn=cmd_serve)

    s = sub.add_parser("seed", help="기본계획 표와 기본 레이어 적재 / load the seed datasets")
    s.set_defaults(fn=cmd_seed)

    s = sub.add_parser("ingest", help="파일 일괄 적재 / batch-load files")
    s.add_argument("files", nargs="+")
    s.add_argument("--dataset", help="데이터셋 이름 (없으면 생성)")
    s.add_argument("--title")
    s.add_argument("--org", default="incheon-city")
    s.add_argument("--resource", help="이 리소스의 새 버전으로 적재")
    s.add_argument("--format")
    s.add_argument("--encoding", help="utf-8, cp949, euc-kr")
    s.add_argument("--sheet")
    s.add_argument("--schema", help='{"열": "BIGINT"} 또는 infer')
    s.add_argument("--dry-run", action="store_true", help="검증만 / validate only")
    s.set_defaults(fn=cmd_ingest)

    s = sub.add_parser("quality", help="품질 보고서 / quality report")
    s.add_argument("resource")
    s.add_argument("--version", type=int)
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=cmd_quality)

    s = sub.add_parser("user", help="사용자 관리")
    s.add_argument("action", choices=["create", "list"])
    s.add_argument("name", nargs="?")
    s.add_argument("--admin", action="store_true")
    s.add_argument("--fullname")
    s.set_defaults(fn=cmd_user)

    s = sub.add_parser("key", help="API 키 관리")
    s.add_argument("action", choices=["create", "list", "revoke"])
    s.add_argument("user", help="사용자 이름 (revoke: 키 id 또는 접두어)")
    s.add_argument("--label")
    s.set_defaults(fn=cmd_key)

    s = sub.add_parser("org", help="기관 관리")
    s.add_argument("action", choices=["create", "list", "member"])
    s.add_argument("name", nargs="?")
    s.add_argument("--title")
    s.add_argument("--title-en", dest="title_en")
    s.add_argument("--kind", default="agency")
    s.add_argument("--sgg-code", dest="sgg_code")
    s.add_argument("--user")
    s.add_argument("--capacity", default="editor", choices=["member", "editor", "admin"])
    s.set_defaults(fn=cmd_org)

    s = sub.add_parser("settings", help="설정 보기 / show settings")
    s.set_defaults(fn=cmd_settings)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.fn(args)
    except HubError as exc:
        print(f"오류: {exc.message_ko}\nerror: {exc.message_en}", file=sys.stderr)
        for e in exc.details.get("errors", [])[:10]:
            print(f"  {e}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as exc:
        print(f"오류: JSON을 해석할 수 없습니다 / error: invalid JSON: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
