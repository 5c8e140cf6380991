import xml_to_json


def test_converts_xml_to_a_dict():
    result = xml_to_json.handler({"xml": "<note><to>Ada</to><n>2</n></note>"}, None)
    assert result == {"statusCode": 200, "json": {"note": {"to": "Ada", "n": "2"}}}


def test_malformed_xml_is_a_client_error():
    result = xml_to_json.handler({"xml": "<note><to>Ada</note>"}, None)
    assert result["statusCode"] == 400
    assert "Not well-formed XML" in result["error"]


def test_missing_document_says_what_to_send():
    assert xml_to_json.handler({}, None)["statusCode"] == 400
