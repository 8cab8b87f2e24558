// The security lines of the guide's lists (lambdas/checks/security-*.ts), spread into catalog.ts.
import type { CatalogEntry } from "./catalog";

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
    needs: { settings: ["security"] },
    check: async () => (require("../checks/security-audit") as typeof import("../checks/security-audit")).securityAudit,
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
    needs: { settings: ["security"] },
    check: async () => (require("../checks/deps-check") as typeof import("../checks/deps-check")).depsCheck,
  },
];
