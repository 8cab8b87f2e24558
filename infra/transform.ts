// Overrides of a component's underlying resources, as SST's `transform`: a partial of the
// resource's args merged over ours, or a function that edits them in place. Lets a caller change
// any input we did not think of without forking the component.
import type * as pulumi from "@pulumi/pulumi";

export type Transform<Args> = Partial<Args> | ((args: Args, opts: pulumi.CustomResourceOptions, name: string) => void);

/** The resource's name, args and options after the caller's transform. */
export function transform<Args extends object>(
  override: Transform<Args> | undefined,
  name: string,
  args: Args,
  opts: pulumi.CustomResourceOptions,
): [string, Args, pulumi.CustomResourceOptions] {
  if (typeof override === "function") {
    override(args, opts, name);
    return [name, args, opts];
  }
  return [name, { ...args, ...override }, opts];
}
