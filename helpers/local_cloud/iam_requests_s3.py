"""Which S3 action on which bucket or object ARN a request asks for (path-style and
virtual-hosted requests; sub-resources such as ``?policy`` or ``?tagging``; copies, which also
read their source; multi-object deletes, which delete each key). Action names are those of the
Service Authorization Reference for Amazon S3.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote
from xml.etree import ElementTree

from .iam_calls import Asked, Call

IP_HOST = re.compile(r"^(\d{1,3}\.){3}\d{1,3}$|^\[")
S3_HOST = re.compile(r"^(?P<bucket>.+?)\.s3[.-]")
# Bucket sub-resource -> (GET, PUT, DELETE) action
BUCKET_SUBRESOURCES = {
    "policy": ("GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy"),
    "acl": ("GetBucketAcl", "PutBucketAcl", None),
    "cors": ("GetBucketCORS", "PutBucketCORS", "PutBucketCORS"),
    "website": ("GetBucketWebsite", "PutBucketWebsite", "DeleteBucketWebsite"),
    "versioning": ("GetBucketVersioning", "PutBucketVersioning", None),
    "lifecycle": ("GetLifecycleConfiguration", "PutLifecycleConfiguration",
                  "PutLifecycleConfiguration"),
    "tagging": ("GetBucketTagging", "PutBucketTagging", "PutBucketTagging"),
    "notification": ("GetBucketNotification", "PutBucketNotification", None),
    "publicAccessBlock": ("GetBucketPublicAccessBlock", "PutBucketPublicAccessBlock",
                          "PutBucketPublicAccessBlock"),
    "encryption": ("GetEncryptionConfiguration", "PutEncryptionConfiguration",
                   "PutEncryptionConfiguration"),
    "ownershipControls": ("GetBucketOwnershipControls", "PutBucketOwnershipControls",
                          "PutBucketOwnershipControls"),
    "logging": ("GetBucketLogging", "PutBucketLogging", None),
    "location": ("GetBucketLocation", None, None),
    "policyStatus": ("GetBucketPolicyStatus", None, None),
    "object-lock": ("GetBucketObjectLockConfiguration", "PutBucketObjectLockConfiguration", None),
    "replication": ("GetReplicationConfiguration", "PutReplicationConfiguration",
                    "PutReplicationConfiguration"),
    "accelerate": ("GetAccelerateConfiguration", "PutAccelerateConfiguration", None),
    "requestPayment": ("GetBucketRequestPayment", "PutBucketRequestPayment", None),
    "versions": ("ListBucketVersions", None, None),
    "uploads": ("ListBucketMultipartUploads", None, None),
}  # fmt: skip
# Object sub-resource -> (GET, PUT, DELETE) action, and the variant when a versionId is given
OBJECT_SUBRESOURCES = {
    "acl": (("GetObjectAcl", "PutObjectAcl", None),
            ("GetObjectVersionAcl", "PutObjectVersionAcl", None)),
    "tagging": (("GetObjectTagging", "PutObjectTagging", "DeleteObjectTagging"),
                ("GetObjectVersionTagging", "PutObjectVersionTagging",
                 "DeleteObjectVersionTagging")),
    "retention": (("GetObjectRetention", "PutObjectRetention", None),) * 2,
    "legal-hold": (("GetObjectLegalHold", "PutObjectLegalHold", None),) * 2,
    "attributes": (("GetObjectAttributes", None, None), ("GetObjectVersionAttributes", None, None)),
}  # fmt: skip
METHOD_INDEX = {"GET": 0, "HEAD": 0, "PUT": 1, "DELETE": 2}


def s3_bucket_and_key(host: str, path: str) -> tuple[str, str]:
    """Virtual-hosted (``bucket.s3.amazonaws.com``, ``bucket.localhost``) or path style, as
    moto tells them apart."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    virtual = None
    if name and "." in name and not IP_HOST.match(name) and not name.startswith("localhost"):
        found = S3_HOST.match(name) if "amazonaws.com" in name else None
        virtual = found["bucket"] if found else (None if "amazonaws.com" in name
                                                  else name.split(".")[0])  # fmt: skip
    if virtual:
        return virtual, path.lstrip("/")
    bucket, _, key = path.lstrip("/").partition("/")
    return bucket, key


def s3_asked(call: Call) -> list[Asked]:
    bucket, key = s3_bucket_and_key(call.host, call.path)
    if not bucket:
        return [Asked("s3:ListAllMyBuckets", "*")]
    bucket_arn, policy_of = f"arn:aws:s3:::{bucket}", ("s3", bucket)
    query, method = call.query, call.method

    def asked(action: str, resource: str, context: Mapping[str, Any] | None = None) -> Asked:
        return Asked(f"s3:{action}", resource, context or {}, policy_of)

    if key:
        return _s3_object(call, bucket, key, asked)
    if method == "POST" and "delete" in query:  # DeleteObjects: s3:DeleteObject on each key
        keys = _deleted_keys(call.body())
        return [asked("DeleteObject", f"{bucket_arn}/{k}") for k in keys] or [
            asked("DeleteObject", f"{bucket_arn}/*")]
    for name, actions in BUCKET_SUBRESOURCES.items():
        if name in query and method in METHOD_INDEX and actions[METHOD_INDEX[method]]:
            return [asked(actions[METHOD_INDEX[method]], bucket_arn)]
    if method in ("GET", "HEAD"):
        context = {f"s3:{name}": query[name][0] for name in ("prefix", "delimiter", "max-keys")
                   if name in query}  # fmt: skip
        return [asked("ListBucket", bucket_arn, context)]
    if method == "PUT" and not query:
        return [asked("CreateBucket", bucket_arn)]
    if method == "DELETE" and not query:
        return [asked("DeleteBucket", bucket_arn)]
    return [Asked("s3:*", "*", policy_of=policy_of, mapped=False)]


def _s3_object(call: Call, bucket: str, key: str, asked: Callable[..., Asked]) -> list[Asked]:
    query, method = call.query, call.method
    object_arn = f"arn:aws:s3:::{bucket}/{key}"
    versioned = "versionId" in query
    for name, variants in OBJECT_SUBRESOURCES.items():
        if name in query and method in METHOD_INDEX:
            action = variants[1 if versioned else 0][METHOD_INDEX[method]]
            if action:
                return [asked(action, object_arn)]
    if method in ("GET", "HEAD"):
        if "uploadId" in query:
            return [asked("ListMultipartUploadParts", object_arn)]
        return [asked("GetObjectVersion" if versioned else "GetObject", object_arn)]
    if method == "DELETE":
        if "uploadId" in query:
            return [asked("AbortMultipartUpload", object_arn)]
        return [asked("DeleteObjectVersion" if versioned else "DeleteObject", object_arn)]
    if method == "POST" and "restore" in query:
        return [asked("RestoreObject", object_arn)]
    if method == "POST" and "select" in query:
        return [asked("GetObject", object_arn)]
    if method in ("PUT", "POST"):  # PutObject, multipart uploads, copies
        wanted = [asked("PutObject", object_arn)]
        source = call.headers("x-amz-copy-source")
        if source:  # a copy also reads its source
            source_path, _, source_query = unquote(source).lstrip("/").partition("?")
            source_bucket, _, source_key = source_path.partition("/")
            action = "GetObjectVersion" if "versionId=" in source_query else "GetObject"
            wanted.append(Asked(f"s3:{action}", f"arn:aws:s3:::{source_bucket}/{source_key}",
                                policy_of=("s3", source_bucket)))
        return wanted
    return [Asked("s3:*", "*", policy_of=("s3", bucket), mapped=False)]


def _deleted_keys(body: bytes) -> list[str]:
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return []
    return [element.text or "" for element in root.iterfind(".//{*}Object/{*}Key")]
