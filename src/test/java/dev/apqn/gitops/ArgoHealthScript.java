package dev.apqn.gitops;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.jse.JseBaseLib;

/**
 * Runs one of our Argo CD health checks ({@code deploy/argocd/resource_customizations/<group>/<kind>/health.lua})
 * the way Argo CD runs a health customization (argoproj/argo-cd util/lua/lua.go): the live object, as
 * the JSON the API server returns, becomes the global table {@code obj} (objects and arrays as tables,
 * every number a Lua number, JSON null absent); only the base, package and table libraries are
 * loaded (Argo CD opens no string, math or io library unless an admin sets useOpenLibs); the script
 * returns a table with {@code status} and {@code message}, and a status outside Argo CD's set
 * becomes Unknown. Argo CD's interpreter is gopher-lua (Lua 5.1), this one is LuaJ (Lua 5.2): the
 * scripts keep to what both accept.
 */
final class ArgoHealthScript {

    static final Path CUSTOMIZATIONS = Path.of("deploy/argocd/resource_customizations");

    /** The health statuses Argo CD accepts from a script (gitops-engine pkg/health). */
    static final Set<String> STATUSES = Set.of("Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown");

    /** What Argo CD shows for a resource: its health status and message. */
    record Health(String status, String message) {
    }

    private final String chunkName;
    private final String source;

    ArgoHealthScript(String chunkName, String source) {
        this.chunkName = chunkName;
        this.source = source;
    }

    static Path path(String group, String kind) {
        return CUSTOMIZATIONS.resolve(group).resolve(kind).resolve("health.lua");
    }

    static ArgoHealthScript of(String group, String kind) throws IOException {
        Path p = path(group, kind);
        return new ArgoHealthScript(p.toString(), Files.readString(p));
    }

    /** The health of a resource (an API object as Fabric8 serializes it, e.g. an APQNReservation). */
    Health assess(Object resource) {
        return assess((JsonNode) Serialization.jsonMapper().valueToTree(resource));
    }

    Health assess(JsonNode resource) {
        Globals globals = argoCdGlobals();
        globals.set("obj", toLua(resource));
        LuaValue result = globals.load(source, chunkName).call();
        if (result.isnil()) {
            return new Health("", "");
        }
        if (!result.istable()) {
            throw new IllegalStateException(chunkName + " returned " + result.typename() + ", Argo CD expects a table");
        }
        String status = result.get("status").optjstring("");
        if (!STATUSES.contains(status)) {
            return new Health("Unknown", "Lua returned an invalid health status");
        }
        return new Health(status, result.get("message").optjstring(""));
    }

    /** The libraries Argo CD opens for a health script by default (no string, math, io, os). */
    static Globals argoCdGlobals() {
        Globals g = new Globals();
        g.load(new JseBaseLib());
        g.load(new PackageLib());
        g.load(new TableLib());
        LoadState.install(g);
        LuaC.install(g);
        return g;
    }

    /** JSON as gopher-lua's decodeValue in Argo CD builds it. */
    static LuaValue toLua(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return LuaValue.NIL;
        }
        if (n.isObject()) {
            LuaTable t = new LuaTable();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                t.rawset(e.getKey(), toLua(e.getValue()));
            }
            return t;
        }
        if (n.isArray()) {
            LuaTable t = new LuaTable();
            int i = 1;
            for (JsonNode item : n) {
                t.rawset(i++, toLua(item));
            }
            return t;
        }
        if (n.isNumber()) {
            return LuaValue.valueOf(n.asDouble()); // gopher-lua: every number is a float64
        }
        if (n.isBoolean()) {
            return LuaValue.valueOf(n.asBoolean());
        }
        return LuaValue.valueOf(n.asText());
    }
}
