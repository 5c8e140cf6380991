import s3_upload_import

CSV = "name,text\nAda,Hello from the import\nGrace,Second line\n"


def test_each_row_becomes_a_guestbook_message(upload, messages):
    result = s3_upload_import.handler(upload("imports/guest book.csv", CSV), None)
    assert result == {"imported": 2, "skipped": []}
    stored = messages()
    assert [(m["name"], m["text"]) for m in stored] == [
        ("Ada", "Hello from the import"), ("Grace", "Second line")]
    assert all(m["created_at"] == "2026-01-01T09:30:00.123000Z" for m in stored)
    assert all(m["sk"] == f"{m['created_at']}#{m['id']}" and len(m["id"]) == 32 for m in stored)


def test_a_repeated_event_imports_nothing_twice(upload, messages):
    event = upload("imports/once.csv", CSV)
    s3_upload_import.handler(event, None)
    assert s3_upload_import.handler(event, None) == {"imported": 0, "skipped": []}
    assert len(messages()) == 2


def test_invalid_rows_are_skipped_and_reported(upload, messages):
    text = "name,text\n,no name\nAda,ok\nBob," + "x" * 501 + "\nEve,a,b\n"
    result = s3_upload_import.handler(upload("imports/mixed.csv", text), None)
    assert result["imported"] == 1 and [m["name"] for m in messages()] == ["Ada"]
    assert [(s["row"], s["reason"]) for s in result["skipped"]] == [
        (2, "name must be 1 to 50 characters; it is 0"),
        (4, "text must be 1 to 500 characters; it is 501"),
        (5, "more columns than the header")]


def test_a_file_with_the_wrong_header_imports_nothing(upload, messages):
    result = s3_upload_import.handler(upload("imports/wrong.csv", "who,what\nAda,hi\n"), None)
    assert result["imported"] == 0 and "name,text" in result["skipped"][0]["reason"]
    assert messages() == []


def test_excel_byte_order_marks_are_fine_and_other_encodings_are_reported(upload, messages):
    assert s3_upload_import.handler(upload("imports/excel.csv", "\ufeff" + CSV), None)[
        "imported"] == 2
    latin1 = upload("imports/latin1.csv", "name,text\nJosé,olá\n".encode("latin-1"))
    assert s3_upload_import.handler(latin1, None)["skipped"][0]["reason"] == "not UTF-8 text"


def test_removal_events_are_ignored(upload, messages):
    event = upload("imports/gone.csv", CSV, event_name="ObjectRemoved:Delete")
    assert s3_upload_import.handler(event, None) == {"imported": 0, "skipped": []}
