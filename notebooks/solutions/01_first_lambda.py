"""Solutions for 01 · Your first Python Lambda. Try each exercise first.

Run them in the notebook, after the cells above the exercises, with
    %run -i solutions/01_first_lambda.py
or copy one section into a cell. They use the notebook's `packaging` and `Path`.
"""

# 1. Predict, then run: the zip depends on the files' content only (fixed dates, sorted entries).
prediction = True


# 2. A handler.
def shout(event, context):
    return {"message": event["text"].upper()}


# 3. Build: the handler in its own folder, zipped with the module at the top level.
folder = Path("build/shout")
folder.mkdir(parents=True, exist_ok=True)
(folder / "shout.py").write_text(
    "def shout(event, context):\n"
    "    return {'message': event['text'].upper()}\n"
)
shout_zip = packaging.build_zip(folder)
