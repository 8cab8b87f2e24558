// Entry point of `pulumi up`: check the machine can build the backup image, validate the stack
// config once, then build the stack. A config mistake or a missing Docker stops here with one
// message per problem and no stack trace.
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./config";
import { dockerProblem } from "./prerequisites";
import { program } from "./program";

const docker = dockerProblem();
if (docker) throw new pulumi.RunError(docker);

export = program(loadStackConfig());
