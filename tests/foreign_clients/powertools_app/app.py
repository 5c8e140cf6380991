"""A Powertools for AWS Lambda app, written as its documentation teaches: one router per API type,
the parser validating the events API Gateway sends and the request bodies, and a JSON Logger.

``http_handler`` serves an HTTP API (payload 2.0), ``rest_handler`` a REST API (payload 1.0).
"""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, APIGatewayRestResolver
from aws_lambda_powertools.event_handler.exceptions import BadRequestError
from aws_lambda_powertools.utilities.parser import BaseModel, ValidationError, envelopes, parse
from aws_lambda_powertools.utilities.parser.models import (
    APIGatewayProxyEventModel,
    APIGatewayProxyEventV2Model,
)

logger = Logger(service="greeter")
http_api = APIGatewayHttpResolver()
rest_api = APIGatewayRestResolver()


class Greeting(BaseModel):
    name: str
    excited: bool = False


def greet(event: dict, envelope: type) -> dict:
    try:
        greeting = parse(event=event, model=Greeting, envelope=envelope)
    except ValidationError as error:
        logger.warning("invalid greeting", extra={"errors": error.error_count()})
        raise BadRequestError("A greeting needs a name.") from None
    logger.info("greeted", extra={"greeted": greeting.name})
    return {"message": f"Hello, {greeting.name}{'!' if greeting.excited else '.'}"}


@http_api.post("/greetings")
def http_greet() -> dict:
    return greet(http_api.current_event.raw_event, envelopes.ApiGatewayV2Envelope)


@rest_api.post("/greetings")
def rest_greet() -> dict:
    return greet(rest_api.current_event.raw_event, envelopes.ApiGatewayEnvelope)


@http_api.get("/greetings/<name>")
@rest_api.get("/greetings/<name>")
def greeting_for(name: str) -> dict:
    logger.info("looked up", extra={"greeted": name})
    return {"message": f"Hello, {name}."}


@logger.inject_lambda_context
def http_handler(event: dict, context) -> dict:
    parse(event=event, model=APIGatewayProxyEventV2Model)  # what AWS sends, or a ValidationError
    return http_api.resolve(event, context)


@logger.inject_lambda_context
def rest_handler(event: dict, context) -> dict:
    parse(event=event, model=APIGatewayProxyEventModel)
    return rest_api.resolve(event, context)
