package io.conversationconnector.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KeywordDetectorTest {
    static final KeywordDetector DEFAULTS = new KeywordDetector(KeywordDetector.DEFAULT_OPT_OUT, KeywordDetector.DEFAULT_OPT_IN);

    @ParameterizedTest(name = "''{0}'' → {1}")
    @CsvSource(delimiter = '|', value = {
            "STOP|OPT_OUT", "stop|OPT_OUT", "  Stop.  |OPT_OUT", "STOP!!|OPT_OUT", "unsubscribe|OPT_OUT",
            "Baja|OPT_OUT", "¡BAJA!|OPT_OUT", "dar de baja|OPT_OUT", "alto|OPT_OUT", "Cancelar|OPT_OUT", "parar|OPT_OUT",
            "No más|OPT_OUT", "NO MAS|OPT_OUT", "sair|OPT_OUT", "Saír|OPT_OUT", "descadastrar|OPT_OUT", "cancelar inscrição|OPT_OUT",
            "START|OPT_IN", "start|OPT_IN", "alta|OPT_IN", "voltar|OPT_IN",
            // near misses: the whole message must be the keyword
            "stop by tomorrow|NONE", "please stop|NONE", "STOPPED|NONE", "can you stop?|NONE", "no|NONE",
            "bajar el precio|NONE", "altos|NONE", "parar en la esquina|NONE", "startup|NONE", "''|NONE"})
    void wholeMessageCaseAndAccentInsensitive(String text, KeywordDetector.Match expected) {
        assertThat(DEFAULTS.detect(text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"ARRÊTER,OPT_OUT", "arreter,OPT_OUT", "STOP,NONE"})
    void perSourceListsReplaceTheDefaults(String text, KeywordDetector.Match expected) {
        KeywordDetector french = new KeywordDetector(List.of("Arrêter"), List.of("Commencer"));
        assertThat(french.detect(text)).isEqualTo(expected);
    }
}
