import { NotFound, UserId } from "@users-api/core";
import { parsePathParameter, type HttpRequest } from "../http/request.js";

/** The `{userId}` of the path; an id that is not a UUID names no user, so it is a 404. */
export const userIdOf = (request: HttpRequest): string => parsePathParameter(request, "userId", UserId, (id) => new NotFound(`No user has the id ${id}.`));
