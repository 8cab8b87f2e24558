// The security lines of the guide's lists (lambdas/checks/security-*.ts), spread into catalog.ts.
import { ACCESS_REVIEWS_PREFIX, LOG_PREFIXES, RECORDS_PREFIX } from "../core/contract";
import { DATABASE_NEEDS } from "../core/needs";
import type { CatalogEntry } from "./catalog";

/** lambdas/security/osv-cache.ts's prefix (this data file imports no check code). */
const OSV_CACHE = `${LOG_PREFIXES.security}osv-cache/`;

export const SECURITY_DAILY: CatalogEntry[] = [
  {
    id: "db-activity-sample",
    title: "Connexions PostgreSQL : rôles connectés (échantillon pour la revue des accès)",
    guide: "Vérifications mensuelles › Revue des accès (dernière connexion : PostgreSQL n'en garde pas)",
    domain: "security",
    // Only records a sample: never warns.
    levels: { warn: 1, fail: 2 },
    runbook: [
      "Rien à faire : l'échantillon (rôles connectés, heure) est dans le détail du résultat ; la revue mensuelle des accès le relit",
    ],
    needs: DATABASE_NEEDS,
    check: async () =>
      (require("../checks/db-activity-sample") as typeof import("../checks/db-activity-sample")).activitySampleCheck,
  },
];

export const SECURITY_WEEKLY: CatalogEntry[] = [
  {
    id: "security-audit",
    title: "Scan de sécurité : vulnérabilités connues des dépendances (npm, OSV)",
    guide: "Vérifications hebdomadaires › Scan de sécurité (npm audit, snyk test)",
    domain: "security",
    // Severity → status by security.levels (critical: fail, high: warn); a source down: warn.
    levels: { warn: 1, fail: 2 },
    runbook: [
      "Détail du résultat : paquet, version installée, sévérité, avis (URL), version corrigée, dépendance directe à monter et commande",
      "Rejouer à la main : npm run ops -- security audit --lockfile <package-lock.json de l'app>",
      "Corriger : la commande de chaque vulnérabilité (npm audit fix, ou npm install <dépendance directe>@<version>), puis tests et déploiement",
      "Risque accepté : l'ajouter à security.ignore (id, raison, date d'expiration) dans Pulumi.prod.yaml",
      "« source unavailable » : le registre npm ou OSV n'a pas répondu, le scan est incomplet : le relancer plus tard",
    ],
    // OSV's details by id and `modified`, kept between weekly runs (OSV has no batch detail endpoint).
    needs: {
      inputs: ["logsBucket"],
      settings: ["security"],
      // The app's lock-file from Vercel (or GitHub); Snyk too when its token is set.
      tokens: ["vercelToken", "githubToken", "snykToken"],
      logs: { read: [OSV_CACHE], write: [OSV_CACHE] },
    },
    check: async ({ s3 }) =>
      (require("../checks/security-audit") as typeof import("../checks/security-audit")).securityAuditCheck(s3),
  },
];

export const SECURITY_MONTHLY: CatalogEntry[] = [
  {
    id: "deps-check",
    title: "Mise à jour des dépendances : versions en retard, dépréciées, Node.js en fin de support",
    guide: "Vérifications mensuelles › Mise à jour des dépendances (npm update, npm audit fix, nvm install lts/*)",
    domain: "platform",
    levels: { warn: 1, fail: 2 },
    runbook: [
      "Détail du résultat : dépendances directes en retard (patch, mineure, majeure), versions dépréciées, Node.js de Vercel et des fonctions",
      "Rejouer à la main : npm run ops -- deps check --lockfile <package-lock.json de l'app>",
      "Appliquer les commandes indiquées (npm update …, npm install <paquet>@<version>) dans une branche, tests, puis déploiement de preview",
      "Node.js en fin de vie : Vercel › Settings › Node.js Version ; fonctions : runtime dans lambdas/core/contract.ts",
    ],
    // The app's lock-file and Node.js version from Vercel; no Snyk.
    needs: { settings: ["security"], tokens: ["vercelToken"] },
    check: async () => (require("../checks/deps-check") as typeof import("../checks/deps-check")).depsCheck,
  },
  {
    id: "access-review",
    title: "Revue des accès : comptes PostgreSQL, Vercel, Supabase et AWS contre la liste approuvée",
    guide: "Vérifications mensuelles › Revue des accès (supabase projects list-access-logs)",
    domain: "security",
    levels: { warn: 1, fail: 2 },
    runbook: [
      "Détail du résultat : comptes non approuvés, privilèges au-dessus du rôle approuvé, identifiants périmés, entrées de la liste disparues",
      "Compte inconnu : vérifier qui l'a créé (CloudTrail, journaux Supabase/Vercel) ; le désactiver s'il n'est pas légitime (niveau 2)",
      "Compte légitime : l'ajouter à access.approved (nom, rôle, systèmes) dans Pulumi.prod.yaml ; entrée disparue : la retirer",
      "Clés d'accès de plus de 90 jours ou console sans MFA : rotation (aws iam create-access-key puis delete-access-key), activer la MFA",
      "Rejouer à la main : npm run ops -- access review --database-url … (ajouter --aws avec des identifiants en lecture IAM)",
    ],
    needs: {
      inputs: ["databaseUrl", "logsBucket"],
      settings: ["access", "databaseCaCert"],
      tokens: ["vercelToken", "supabaseToken"],
      // Its record, and the daily records' connection samples ("connected recently").
      logs: { write: [ACCESS_REVIEWS_PREFIX], read: [`${RECORDS_PREFIX}daily/`] },
      awsRead: ["iam:GenerateCredentialReport", "iam:GetCredentialReport", "iam:ListRoles"],
    },
    check: async ({ s3 }) =>
      (require("../checks/access-review") as typeof import("../checks/access-review")).accessReviewCheck(s3),
  },
];
