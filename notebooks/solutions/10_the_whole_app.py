"""Solutions for 10 · The whole app. Try each exercise first.

Run them in the notebook, after the cells above the exercises, with
    %run -i solutions/10_the_whole_app.py
or copy one section into a cell. They use the notebook's names (`aws`, `app`, `cdn`...).
"""
import shutil
from pathlib import Path

from helpers import site

# 1. Predict, then run: only /api/* reaches Lambda; the page, script and stylesheet come from S3.
prediction = 1

# 2. Recall: the front door is the app's host; /api/* goes on to API Gateway and the function.
answer = cdn.request(aws, app.host, "GET", "/api/health").json

# 3. Build: a changed stylesheet, uploaded with its type and Cache-Control, then invalidated.
release = Path("build/site-v2")
shutil.copytree(example_path("guestbook", "site"), release, dirs_exist_ok=True)
stylesheet = release / "style.css"
stylesheet.write_text(stylesheet.read_text() + "\nbody { background: #fffbe6; }\n")
site.upload_site(aws, app.bucket, release)  # sets each file's content type and Cache-Control
cdn.invalidate(aws, app.distribution_id, ("/style.css",))  # waits until Completed
