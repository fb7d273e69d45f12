import { handleFederationRequest } from "@/lib/federation/inbound/router";

// Every /_matrix request: the federation router answers the endpoints the archive implements
// and 404/405 M_UNRECOGNIZED (MSC3743) for all others.
export const dynamic = "force-dynamic";

export const GET = handleFederationRequest;
export const PUT = handleFederationRequest;
export const POST = handleFederationRequest;
export const DELETE = handleFederationRequest;
export const PATCH = handleFederationRequest;
export const OPTIONS = handleFederationRequest;
