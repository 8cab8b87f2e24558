// Entry point of `pulumi up`: validate the stack config once, check the machine can build the
// backup image, then build the stack. A config mistake or a missing Docker stops here with one
// message per problem and no stack trace (config first: it needs no daemon to be told).
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./config";
import { dockerProblem } from "./prerequisites";
import { program } from "./program";

const config = loadStackConfig();
const docker = dockerProblem();
if (docker) throw new pulumi.RunError(docker);

export = program(config);
