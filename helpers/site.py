"""The static site in a private S3 bucket: Block Public Access on, correct content types.

Nobody reads the bucket directly: CloudFront does, through Origin Access Control (see cdn).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".json": "application/json",
    ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8", ".webmanifest": "application/manifest+json",
}  # fmt: skip
BLOCK_ALL_PUBLIC_ACCESS = {
    "BlockPublicAcls": True, "IgnorePublicAcls": True,
    "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
}  # fmt: skip


def bucket_name(aws: Any, suffix: str) -> str:
    """Bucket names are global across all AWS accounts: add the account and region."""
    return f"{aws.name_for(suffix)}-{aws.account_id}-{aws.region}"


def content_type(path: Path) -> str:
    """What the browser is told the file is. S3 stores what you send; a wrong type (say,
    ``binary/octet-stream`` for HTML) makes the browser download the page instead of showing it."""
    return CONTENT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or (
        "application/octet-stream"
    )


def ensure_private_bucket(aws: Any, name: str) -> str:
    """Create the bucket (idempotent), block every form of public access, tag it."""
    s3 = aws.client("s3")
    kwargs: dict[str, Any] = {}
    if aws.region != "us-east-1":  # us-east-1 is the one region that takes no constraint
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": aws.region}
    try:
        s3.create_bucket(Bucket=name, **kwargs)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    s3.get_waiter("bucket_exists").wait(Bucket=name)
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=BLOCK_ALL_PUBLIC_ACCESS)
    s3.put_bucket_tagging(Bucket=name, Tagging={
        "TagSet": [{"Key": key, "Value": value} for key, value in aws.tags.items()]})
    return name


def public_access_block(aws: Any, bucket: str) -> dict[str, bool]:
    response = aws.client("s3").get_public_access_block(Bucket=bucket)
    return response["PublicAccessBlockConfiguration"]


def upload_site(aws: Any, bucket: str, folder: str | Path) -> list[dict[str, Any]]:
    """Upload every file under ``folder`` with its content type; HTML is revalidated on each
    visit (``no-cache``), other files may be cached for an hour. Returns one row per file."""
    s3 = aws.client("s3")
    root = Path(folder)
    rows = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        key = path.relative_to(root).as_posix()
        kind = content_type(path)
        cache = "no-cache" if kind.startswith("text/html") else "max-age=3600"
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=kind,
                      CacheControl=cache)  # fmt: skip
        rows.append({"key": key, "content_type": kind, "cache_control": cache,
                     "bytes": path.stat().st_size})  # fmt: skip
    return rows


def object_url(aws: Any, bucket: str, key: str) -> str:
    """The object's direct S3 URL (which a private bucket refuses to anonymous visitors)."""
    if aws.is_local:
        return f"{aws.endpoint_url}/{bucket}/{key}"
    return f"https://{bucket}.s3.{aws.region}.amazonaws.com/{key}"


def origin_domain(aws: Any, bucket: str) -> str:
    """The bucket's REST endpoint, as a CloudFront S3 origin names it."""
    return f"{bucket}.s3.{aws.region}.amazonaws.com"


def empty_bucket(aws: Any, name: str) -> int:
    """Abort unfinished uploads, delete every object version and delete marker (S3 deletes only
    an empty bucket). Returns how many versions and markers went."""
    from botocore.exceptions import ClientError

    s3 = aws.client("s3")
    for upload in s3.list_multipart_uploads(Bucket=name).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"])
    removed = 0
    while True:  # always the first page: what was there is gone
        page = s3.list_object_versions(Bucket=name, MaxKeys=1000)
        doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                  for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]  # fmt: skip
        if not doomed:
            return removed
        result = s3.delete_objects(Bucket=name, Delete={"Objects": doomed, "Quiet": True})
        if result.get("Errors"):
            first = result["Errors"][0]
            raise ClientError({"Error": {"Code": first["Code"], "Message": first["Message"]}},
                              "DeleteObjects")  # fmt: skip
        removed += len(doomed)


def delete_bucket(aws: Any, name: str) -> bool:
    """Empty the bucket, then delete it. False if it was not there."""
    s3 = aws.client("s3")
    try:
        empty_bucket(aws, name)
    except s3.exceptions.NoSuchBucket:
        return False
    s3.delete_bucket(Bucket=name)
    return True
