// Entry point of `pulumi up`: validate the stack config once, then build the stack.
// A config mistake stops here with one message per problem and no stack trace.
import { loadStackConfig } from "./config";
import { program } from "./program";

export = program(loadStackConfig());
