"""A two-route Chalice app, deployed by ``chalice deploy`` in the tests (no dependencies)."""

from chalice import Chalice

app = Chalice(app_name="two-routes")


@app.route("/")
def index():
    return {"hello": "world"}


@app.route("/items/{item_id}", methods=["GET", "PUT"])
def item(item_id):
    request = app.current_request
    body = request.json_body if request.method == "PUT" else None
    return {"item": item_id, "method": request.method, "body": body}
