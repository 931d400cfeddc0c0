"""Settings, read once from the environment by the entrances (CLI, app factory)."""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field, replace
from email.utils import parseaddr
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///var/ordipret.sqlite"


def sqlite_url_in(var_dir: Path) -> str:
    """The default database: a SQLite file in the var directory, relative or absolute."""
    return f"sqlite:///{var_dir / 'ordipret.sqlite'}"


TLS_MODES = ("starttls", "ssl", "none")


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str = ""
    port: int = 587
    user: str = ""
    password: str = field(default="", repr=False)  # never printed with the settings
    sender: str = ""  # the From header
    tls: str = "starttls"
    timeout: float = 30.0

    @property
    def configured(self) -> bool:
        return bool(self.host and self.sender)

    def problems(self) -> list[str]:
        """What prevents sending, in French, naming the environment variables."""
        problems = []
        if not self.host:
            problems.append("ORDIPRET_SMTP_HOST n'est pas défini (serveur d'envoi)")
        if not parseaddr(self.sender)[1]:
            problems.append("ORDIPRET_SMTP_FROM n'est pas défini (adresse d'expédition)")
        if bool(self.user) != bool(self.password):
            problems.append("ORDIPRET_SMTP_USER et ORDIPRET_SMTP_PASSWORD vont ensemble")
        return problems


def smtp_settings_from_env(
    environ: os._Environ[str] | dict[str, str] | None = None,
) -> SmtpSettings:
    env = os.environ if environ is None else environ
    tls = env.get("ORDIPRET_SMTP_TLS", "starttls").strip().lower()
    if tls not in TLS_MODES:
        raise ValueError(f"ORDIPRET_SMTP_TLS : {', '.join(TLS_MODES)} attendu, pas {tls!r}")
    try:
        port = int(env.get("ORDIPRET_SMTP_PORT", "465" if tls == "ssl" else "587"))
        timeout = float(env.get("ORDIPRET_SMTP_TIMEOUT", "30"))
    except ValueError:
        raise ValueError("ORDIPRET_SMTP_PORT et ORDIPRET_SMTP_TIMEOUT sont des nombres") from None
    return SmtpSettings(
        host=env.get("ORDIPRET_SMTP_HOST", "").strip(),
        port=port,
        user=env.get("ORDIPRET_SMTP_USER", ""),
        password=env.get("ORDIPRET_SMTP_PASSWORD", ""),
        sender=env.get("ORDIPRET_SMTP_FROM", "").strip(),
        tls=tls,
        timeout=timeout,
    )


def parse_trusted_proxies(text: str, variable: str = "ORDIPRET_TRUSTED_PROXIES") -> tuple[str, ...]:
    """`ORDIPRET_TRUSTED_PROXIES`: comma-separated addresses or networks (CIDR) of the reverse
    proxies whose X-Forwarded-For / X-Forwarded-Proto headers are believed. None by default:
    without a proxy, such headers come from the client and are ignored. (Also read for
    `ORDIPRET_METRICS_ALLOW`, named by `variable`.)"""
    proxies = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        try:
            proxies.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ValueError(
                f"{variable} : {item!r} n'est ni une adresse IP ni un réseau "
                "(exemples : 10.0.0.5, 10.0.0.0/24, ::1)"
            ) from None
    return tuple(proxies)


def parse_log_format(text: str) -> str:
    log_format = text.strip().lower()
    if log_format not in ("text", "json"):
        raise ValueError(f"ORDIPRET_LOG_FORMAT : text ou json attendu, pas {text!r}")
    return log_format


def _switch(text: str, name: str) -> bool:
    value = text.strip().lower()
    if value in ("", "0", "false", "off", "no"):
        return False
    if value in ("1", "true", "on", "yes"):
        return True
    raise ValueError(f"{name} : 1 ou 0 attendu, pas {text!r}")


def _worker_mode(text: str) -> str:
    mode = text.strip().lower()
    if mode not in ("inline", "off"):
        raise ValueError(f"ORDIPRET_WORKER : inline ou off attendu, pas {text!r}")
    return mode


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    public_url: str = "http://127.0.0.1:8000"
    secret_key: str = field(default="", repr=False)  # never printed nor logged
    redis_url: str = ""
    var_dir: Path = Path("var")
    secure_cookies: bool = False
    login_rate_limit_per_minute: int = 10
    trusted_proxies: tuple[str, ...] = ()
    db_pool_size: int = 4
    storage: str = ""  # ORDIPRET_STORAGE; empty: by engine (see api.infra.storage)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    seal_p12: Path | None = None  # the region's seal (PKCS#12); None: a demonstration seal
    seal_password: str = field(default="", repr=False)
    ent_timeout: float = 5.0  # seconds: each call to an ENT (ticket validation, OIDC)
    # ORDIPRET_WORKER: "inline" runs the document job queue in the app's process; "off" leaves
    # it to `ordipret worker` (api.jobs.worker).
    worker: str = "inline"
    # ORDIPRET_LOG_FORMAT: "text" (readable) or "json" (one object a line; `ordipret serve`'s
    # default). /metrics answers the bearer of ORDIPRET_METRICS_TOKEN or the addresses of
    # ORDIPRET_METRICS_ALLOW, nobody when neither is set (api.controllers.metrics).
    log_format: str = "text"
    # ORDIPRET_ACCESS_LOG=1: one log line per request (api.infra.request_context). Off by
    # default: the reverse proxy logs every request and /metrics counts them by route, and
    # the line cost a third of a scan lookup's throughput (handing each record to the
    # logging thread); errors and audit lines carry the request id either way.
    access_log: bool = False
    metrics_token: str = field(default="", repr=False)
    metrics_allow: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, environ: os._Environ[str] | dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        var_dir = Path(env.get("ORDIPRET_VAR_DIR", "var"))
        public_url = env.get("ORDIPRET_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
        return cls(
            database_url=env.get("ORDIPRET_DATABASE_URL") or sqlite_url_in(var_dir),
            public_url=public_url,
            secret_key=env.get("ORDIPRET_SECRET_KEY", ""),
            redis_url=env.get("ORDIPRET_REDIS_URL", ""),
            var_dir=var_dir,
            secure_cookies=public_url.startswith("https://"),
            login_rate_limit_per_minute=int(env.get("ORDIPRET_LOGIN_RATE_LIMIT", "10")),
            trusted_proxies=parse_trusted_proxies(env.get("ORDIPRET_TRUSTED_PROXIES", "")),
            db_pool_size=int(env.get("ORDIPRET_DB_POOL_SIZE", "4")),
            storage=env.get("ORDIPRET_STORAGE", "").strip().lower(),
            smtp=smtp_settings_from_env(env),
            seal_p12=Path(env["ORDIPRET_SEAL_P12"]) if env.get("ORDIPRET_SEAL_P12") else None,
            seal_password=env.get("ORDIPRET_SEAL_PASSWORD", ""),
            ent_timeout=float(env.get("ORDIPRET_ENT_TIMEOUT", "5")),
            worker=_worker_mode(env.get("ORDIPRET_WORKER", "inline")),
            log_format=parse_log_format(env.get("ORDIPRET_LOG_FORMAT", "text")),
            access_log=_switch(env.get("ORDIPRET_ACCESS_LOG", ""), "ORDIPRET_ACCESS_LOG"),
            metrics_token=env.get("ORDIPRET_METRICS_TOKEN", "").strip(),
            metrics_allow=parse_trusted_proxies(
                env.get("ORDIPRET_METRICS_ALLOW", ""), "ORDIPRET_METRICS_ALLOW"
            ),
        )

    def with_secret(self) -> Settings:
        """A secret is needed to sign CSRF tokens. Without ORDIPRET_SECRET_KEY, one is made
        once and kept in var/, so that every worker and every restart share it."""
        if self.secret_key:
            return self
        path = self.var_dir / "secret_key"
        if not path.exists():
            self.var_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        return replace(self, secret_key=path.read_text().strip())
