// The weekly check-list of the maintenance guide, run by its EventBridge schedule.
import { checklistHandler } from "../checklist/handler";

export const handler = checklistHandler("weekly");
