// The VPC `allocate` subresource: IP address management over HTTP (the contract is in
// openapi/subresources/vpc.miloapis.com/v1alpha1/addressallocation.yaml).
//
//   POST   .../vpcs/NAME/allocate                AddressAllocation → 201, or 200 when the
//                                                owner already held what it asks for
//   GET    .../vpcs/NAME/allocate                AddressAllocationList, or a Table (OWNER,
//                                                ADDRESSES, AGE) for kubectl --subresource
//   DELETE .../vpcs/NAME/allocate?owner=OWNER    releases, answering what was released
//
// Every answer about a VPC reads it first, as any read of it would (404 when it does not
// exist); IPAM decides the rest.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { validateSchema } from '../../admission/schema-validation.js';
import { pruneUnknownFields, unknownFieldOutcome } from '../../admission/pruning.js';
import type { FieldValidation } from '../../admission/types.js';
import type { JSONSchemaProps } from '../../api/kinds.js';
import type { KubeObject } from '../../api/object.js';
import { subresourceKind } from '../../api/openapi/subresource-kinds.js';
import { addressAllocation, addressAllocationList, type AddressAllocation } from '../../ipam/address-allocation.js';
import { notHeld } from '../../ipam/errors.js';
import type { Ipam, VpcObject } from '../../ipam/ipam.js';
import * as errors from '../../meta/status.js';
import { duplicateFieldWarnings, readObjectBody } from '../body.js';
import { negotiate, type MediaChoice, type Transform } from '../negotiation.js';
import { partialObjectMetadata } from '../representation.js';
import type { SubresourceHandler, SubresourceTarget } from '../resource-handler.js';
import { send } from '../resource-handler.js';
import { humanAge, type IncludeObject, type Table, type TableColumnDefinition } from '../table.js';

const GROUP = 'vpc.miloapis.com';
const VERSION = 'v1alpha1';
const KIND = { group: GROUP, kind: 'AddressAllocation' };

const COLUMNS: TableColumnDefinition[] = [
  { name: 'Owner', type: 'string', format: '', description: 'The object that holds the addresses, as <Kind>/<name>.', priority: 0 },
  { name: 'Addresses', type: 'string', format: '', description: 'Every address the owner holds in the VPC, in CIDR form.', priority: 0 },
  { name: 'Age', type: 'string', format: '', description: 'How long the owner has held addresses in the VPC.', priority: 0 },
];

type VpcTarget = SubresourceTarget & { namespace: string };

export function allocateSubresource(ipam: Ipam): SubresourceHandler {
  const { schema } = subresourceKind(GROUP, VERSION, KIND.kind);
  const methods: Record<string, (req: IncomingMessage, res: ServerResponse, target: VpcTarget) => Promise<void>> = {
    POST: (req, res, target) => allocate(ipam, schema, req, res, target),
    GET: (req, res, target) => list(ipam, req, res, target),
    DELETE: (req, res, target) => release(ipam, req, res, target),
  };
  return {
    methods: { POST: 'create', GET: 'get', DELETE: 'delete' },
    responseKind: KIND.kind,
    handle: (req, res, target) => methods[req.method!]!(req, res, { ...target, namespace: target.namespace ?? '' }),
  };
}

function accepted(req: IncomingMessage, transforms: Transform[]): MediaChoice {
  const choice = negotiate(req.headers.accept, transforms, ['json', 'yaml']);
  if (!choice) throw errors.notAcceptable('only the following media types are accepted: application/json, application/yaml');
  return choice;
}

async function readVpc(target: VpcTarget): Promise<VpcObject> {
  const vpc = await target.store.get(target.namespace, target.name);
  return { metadata: vpc.metadata, spec: vpc.spec as VpcObject['spec'] };
}

/**
 * The request's AddressAllocation, judged as the registry judges an object: type meta,
 * unknown and duplicate fields per fieldValidation, then the schema (422 naming fields).
 */
async function readAllocationRequest(req: IncomingMessage, target: VpcTarget, schema: JSONSchemaProps): Promise<{ spec: AddressAllocation['spec']; warnings: string[] }> {
  const fieldValidation = fieldValidationOf(target.query);
  const { object, duplicateFields } = await readObjectBody(req);
  const body = object as Partial<AddressAllocation> & Record<string, unknown>;
  const apiVersion = `${GROUP}/${VERSION}`;
  if (body.apiVersion !== undefined && body.apiVersion !== apiVersion) {
    throw errors.badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersion})`);
  }
  if (body.kind !== undefined && body.kind !== KIND.kind) {
    throw errors.badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${KIND.kind})`);
  }
  // The metadata is the VPC's, named by the URL: nothing in it is asked for.
  delete body.metadata;
  const warnings = [
    ...duplicateFieldWarnings(duplicateFields, fieldValidation),
    ...unknownFieldOutcome({ kind: KIND.kind, version: VERSION }, pruneUnknownFields(body, schema, undefined), fieldValidation),
  ];
  const fieldErrors = validateSchema(body, schema, undefined);
  if (fieldErrors.length) throw errors.invalid(KIND, target.name, fieldErrors);
  return { spec: body.spec!, warnings };
}

async function allocate(ipam: Ipam, schema: JSONSchemaProps, req: IncomingMessage, res: ServerResponse, target: VpcTarget): Promise<void> {
  const choice = accepted(req, []);
  const { spec, warnings } = await readAllocationRequest(req, target, schema);
  const vpc = await readVpc(target);
  const result = await ipam.allocate({ ...spec, namespace: target.namespace, vpc, dryRun: dryRunOf(target.query) });
  send(res, result.created ? 201 : 200, addressAllocation(target.namespace, target.name, result, spec), choice, warnings);
}

async function list(ipam: Ipam, req: IncomingMessage, res: ServerResponse, target: VpcTarget): Promise<void> {
  const choice = accepted(req, ['Table']);
  await readVpc(target);
  const allocations = addressAllocationList(target.namespace, target.name, await ipam.list({ namespace: target.namespace, vpc: target.name }));
  send(res, 200, choice.transform === 'Table' ? table(allocations.items, choice.transformVersion!, includeObjectOf(target.query)) : allocations, choice);
}

async function release(ipam: Ipam, req: IncomingMessage, res: ServerResponse, target: VpcTarget): Promise<void> {
  const choice = accepted(req, []);
  const owner = target.query.get('owner');
  if (!owner) throw errors.badRequest('the owner whose addresses to release is required: ?owner=<Kind>/<name>, e.g. ?owner=VirtualMachine/web-1');
  await readVpc(target);
  const ref = { namespace: target.namespace, vpc: target.name, owner };
  const released = dryRunOf(target.query) ? await ipam.allocation(ref) : await ipam.release(ref);
  if (!released) throw notHeld(owner);
  send(res, 200, addressAllocation(target.namespace, target.name, released), choice);
}

function table(items: AddressAllocation[], transformVersion: string, include: IncludeObject): Table {
  return {
    apiVersion: transformVersion,
    kind: 'Table',
    metadata: {},
    columnDefinitions: COLUMNS,
    rows: items.map((item) => ({
      cells: [item.spec.owner, item.status.addresses.join(','), humanAge(item.metadata.creationTimestamp)],
      ...(include === 'Object' && { object: item }),
      ...(include === 'Metadata' && { object: partialObjectMetadata(item as unknown as KubeObject, transformVersion) }),
    })),
  };
}

function fieldValidationOf(query: URLSearchParams): FieldValidation {
  const value = query.get('fieldValidation') ?? 'Warn';
  if (value !== 'Strict' && value !== 'Warn' && value !== 'Ignore') {
    throw errors.badRequest(`fieldValidation: Unsupported value: "${value}": supported values: "Ignore", "Strict", "Warn"`);
  }
  return value;
}

function dryRunOf(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const v of values) if (v !== 'All') throw errors.badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  return values.length > 0;
}

function includeObjectOf(query: URLSearchParams): IncludeObject {
  const value = query.get('includeObject') ?? 'Metadata';
  if (value !== 'None' && value !== 'Metadata' && value !== 'Object') {
    throw errors.badRequest(`includeObject: Unsupported value: "${value}": supported values: "None", "Metadata", "Object"`);
  }
  return value;
}
