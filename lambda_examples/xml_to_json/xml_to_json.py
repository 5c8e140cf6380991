"""Convert an XML document to JSON, with a third-party library: xmltodict.

Lambda's Python runtime has the standard library and boto3, nothing else. A dependency must
travel inside the deployment package (or a layer): pinned in requirements.txt, installed
next to this file in the zip. Forget it, and every invocation fails with
``Runtime.ImportModuleError: Unable to import module 'xml_to_json': No module named 'xmltodict'``.
"""

import xmltodict


def handler(event, context):
    document = event.get("xml") if isinstance(event, dict) else None
    if not isinstance(document, str) or not document.strip():
        return {"statusCode": 400, "error": "Send {'xml': '<your document/>'}"}
    try:
        parsed = xmltodict.parse(document)
    except Exception as error:  # xmltodict raises expat errors for malformed XML
        return {"statusCode": 400, "error": f"Not well-formed XML: {error}"}
    return {"statusCode": 200, "json": parsed}
