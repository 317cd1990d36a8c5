package io.conversationconnector.state;

import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Opt-out / opt-in keywords in inbound texts. The whole message must be the keyword (so "stop by tomorrow" is
 * not an opt-out); case, accents, surrounding spaces and punctuation do not matter.
 */
public final class KeywordDetector {
    /** English, Spanish and Portuguese defaults. */
    public static final List<String> DEFAULT_OPT_OUT = List.of("STOP", "STOP ALL", "STOPALL", "UNSUBSCRIBE", "CANCEL",
            "END", "QUIT", "OPT OUT", "OPTOUT", "BAJA", "DAR DE BAJA", "ALTO", "CANCELAR", "PARAR", "DETENER", "NO MAS",
            "SAIR", "PARE", "DESCADASTRAR", "CANCELAR INSCRICAO");
    public static final List<String> DEFAULT_OPT_IN = List.of("START", "UNSTOP", "SUBSCRIBE", "RESUME", "ALTA",
            "SUSCRIBIR", "REANUDAR", "VOLTAR", "INSCREVER");

    private static final Pattern MARKS = Pattern.compile("\\p{M}+");
    private static final Pattern EDGE_PUNCTUATION = Pattern.compile("^[\\p{P}\\p{S}\\s]+|[\\p{P}\\p{S}\\s]+$");
    private static final Pattern SPACES = Pattern.compile("\\s+");

    public enum Match { OPT_OUT, OPT_IN, NONE }

    private final Set<String> optOut;
    private final Set<String> optIn;
    /** Texts longer than this cannot be a keyword, whatever the punctuation: skip the normalisation. */
    private final int maxLength;

    public KeywordDetector(List<String> optOutKeywords, List<String> optInKeywords) {
        this.optOut = optOutKeywords.stream().map(KeywordDetector::normalise).collect(Collectors.toUnmodifiableSet());
        this.optIn = optInKeywords.stream().map(KeywordDetector::normalise).collect(Collectors.toUnmodifiableSet());
        this.maxLength = 2 * java.util.stream.Stream.concat(optOut.stream(), optIn.stream()).mapToInt(String::length).max().orElse(0) + 16;
    }

    public Match detect(String text) {
        if (text == null || text.length() > maxLength) {
            return Match.NONE;
        }
        String n = normalise(text);
        if (optOut.contains(n)) {
            return Match.OPT_OUT;
        }
        return optIn.contains(n) ? Match.OPT_IN : Match.NONE;
    }

    /** Upper case, no accents, no edge punctuation, single spaces: "  ¡Bája! " → "BAJA". */
    public static String normalise(String text) {
        String stripped = MARKS.matcher(Normalizer.normalize(text, Normalizer.Form.NFD)).replaceAll("");
        stripped = EDGE_PUNCTUATION.matcher(stripped).replaceAll("");
        return SPACES.matcher(stripped).replaceAll(" ").toUpperCase(Locale.ROOT);
    }
}
