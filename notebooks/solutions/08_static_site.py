"""Solutions for 08 · The static site. Try each exercise first.

Run them in the notebook, after the cells above the exercises, with
    %run -i solutions/08_static_site.py
or copy one section into a cell. They use the notebook's `s3` and `BUCKET`.
"""

# 1. Predict, then run: without a ContentType, S3 stores binary/octet-stream.
prediction = "binary/octet-stream"

# 2. Recall: the type S3 stored is in the object's metadata.
answer = s3.head_object(Bucket=BUCKET, Key="app.js")["ContentType"]

# 3. Build: a page, typed as HTML and revalidated on every visit; the bucket stays as it is.
s3.put_object(Bucket=BUCKET, Key="about.html",
              Body=b"<!doctype html><title>About</title><h1>About this guestbook</h1>",
              ContentType="text/html; charset=utf-8", CacheControl="no-cache")
